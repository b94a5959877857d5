//! `WhatIf` on a site: the writes an operation would send, recorded instead of sent. Reads are
//! made as usual (they change nothing); the capability probe, every `POST`, `PUT` and `DELETE`
//! and the read-backs of what was planned are not. A planned new object gets a placeholder key,
//! shown in the plan as the text `<ID of the new <Class>>`; a secret in a body is shown as
//! `<redacted>` and never kept.

use super::AdminServiceSite;
use crate::error::Result;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;

/// The highest placeholder key; ConfigMgr's keys are far below (site ID in the top byte).
const FIRST_PLACEHOLDER: u64 = u32::MAX as u64;

/// One request a `WhatIf` operation would send.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRequest {
    /// `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The full URL (`https://<provider>/AdminService/wmi/<Class>[(<key>)]`).
    pub url: String,
    /// The JSON body, `SecretKey` as `<redacted>`; `None` for `DELETE`.
    pub body: Option<Value>,
}

/// The requests planned so far on one thread, with the placeholder keys of planned objects.
#[derive(Debug, Default)]
struct Plan {
    requests: Vec<PlannedRequest>,
    placeholders: Vec<(u64, &'static str)>,
}

/// The plans in progress, one per calling thread (a session is shared by many threads).
#[derive(Debug, Default)]
pub(super) struct Plans(Mutex<HashMap<ThreadId, Plan>>);

impl Plans {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<ThreadId, Plan>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl AdminServiceSite {
    /// The requests `op` would send to the site, none of them sent (`WhatIf`). An error of
    /// `op` is returned, except the read-back of what was planned (`SiteWriteNotConfirmed`).
    ///
    /// # Errors
    /// `op`'s errors (bad input, refusals a read shows, an unreachable provider).
    pub fn plan<T>(&self, op: impl FnOnce() -> Result<T>) -> Result<Vec<PlannedRequest>> {
        let me = std::thread::current().id();
        self.plans.with(|p| p.insert(me, Plan::default()));
        // Ends the plan however `op` ends (a panic too), so the thread writes again afterwards.
        let _planning = PlanScope {
            plans: &self.plans,
            me,
        };
        let result = op();
        let plan = self.plans.with(|p| p.remove(&me)).unwrap_or_default();
        match result {
            // What was planned is not on the site, so reading it back finds nothing.
            Err(e) if e.code == "SiteWriteNotConfirmed" && !plan.requests.is_empty() => {
                Ok(plan.shown())
            }
            Err(e) => Err(e),
            Ok(_) => Ok(plan.shown()),
        }
    }

    /// True while this thread plans instead of writing.
    pub(super) fn planning(&self) -> bool {
        let me = std::thread::current().id();
        self.plans.with(|p| p.contains_key(&me))
    }

    /// True when `path` names a planned object, which the site does not have.
    pub(super) fn planned_path(&self, path: &str) -> bool {
        let me = std::thread::current().id();
        self.plans.with(|p| {
            p.get(&me).is_some_and(|plan| {
                plan.placeholders
                    .iter()
                    .any(|(key, _)| path.contains(&format!("({key})")))
            })
        })
    }

    /// Records `method wmi/<path>` with `body` when this thread plans; for a `POST` the
    /// placeholder key of the object it would create. `None` when not planning.
    pub(super) fn record(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        creates: Option<&'static str>,
    ) -> Option<u64> {
        let me = std::thread::current().id();
        let url = format!("{}/wmi/{path}", self.connection.options().base_url());
        self.plans.with(|p| {
            let plan = p.get_mut(&me)?;
            let mut body = body.cloned();
            if let Some(Value::Object(o)) = &mut body {
                if o.contains_key("SecretKey") {
                    o.insert("SecretKey".into(), json!("<redacted>"));
                }
            }
            plan.requests.push(PlannedRequest {
                method: method.to_string(),
                url,
                body,
            });
            let key = FIRST_PLACEHOLDER - plan.placeholders.len() as u64;
            if let Some(class) = creates {
                plan.placeholders.push((key, class));
            }
            Some(key)
        })
    }
}

/// Ends a thread's plan when dropped.
struct PlanScope<'a> {
    plans: &'a Plans,
    me: ThreadId,
}

impl Drop for PlanScope<'_> {
    fn drop(&mut self) {
        self.plans.with(|p| p.remove(&self.me));
    }
}

impl Plan {
    /// The requests with each placeholder key shown as `<ID of the new <Class>>`.
    fn shown(self) -> Vec<PlannedRequest> {
        let names: HashMap<u64, String> = self
            .placeholders
            .iter()
            .map(|(key, class)| (*key, format!("<ID of the new {class}>")))
            .collect();
        self.requests
            .into_iter()
            .map(|mut r| {
                if let Some(body) = &mut r.body {
                    name_placeholders(body, &names);
                }
                r
            })
            .collect()
    }
}

fn name_placeholders(value: &mut Value, names: &HashMap<u64, String>) {
    match value {
        Value::Number(n) => {
            if let Some(name) = n.as_u64().and_then(|k| names.get(&k)) {
                *value = json!(name);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| name_placeholders(v, names)),
        Value::Object(o) => o.values_mut().for_each(|v| name_placeholders(v, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::connection::SiteConnection;
    use crate::site::{SiteOptions, SiteSettings};

    fn site() -> AdminServiceSite {
        let settings = SiteSettings {
            provider_machine_name: "cm01.contoso.com".into(),
            site_code: "XYZ".into(),
            // A pin: wine has no system certificate store (nothing is contacted here anyway).
            certificate_thumbprint: Some("AB".repeat(32)),
            ..SiteSettings::default()
        };
        let options =
            SiteOptions::check(settings, None, std::time::Duration::from_secs(5)).unwrap();
        AdminServiceSite::new(SiteConnection::new(options, None).unwrap(), None)
    }

    #[test]
    fn a_plan_records_instead_of_sending_and_names_new_keys() {
        let site = site();
        let planned = site
            .plan(|| {
                let key = site
                    .record(
                        Method::POST,
                        "SMS_AAD_Tenant_Ex",
                        Some(&json!({"Name": "Contoso"})),
                        Some("SMS_AAD_Tenant_Ex"),
                    )
                    .unwrap();
                site.record(
                    Method::POST,
                    "SMS_AAD_Application_Ex",
                    Some(&json!({"TenantID": key, "SecretKey": "s3cr3t"})),
                    Some("SMS_AAD_Application_Ex"),
                );
                Ok(())
            })
            .unwrap();
        assert_eq!(planned.len(), 2);
        assert_eq!(
            planned[0].url,
            "https://cm01.contoso.com/AdminService/wmi/SMS_AAD_Tenant_Ex"
        );
        let body = planned[1].body.as_ref().unwrap();
        assert_eq!(body["TenantID"], "<ID of the new SMS_AAD_Tenant_Ex>");
        assert_eq!(body["SecretKey"], "<redacted>");
        assert!(!site.planning(), "the plan ended");
        assert!(site.record(Method::DELETE, "X(1)", None, None).is_none());
    }

    #[test]
    fn a_panicking_operation_ends_its_plan() {
        let site = site();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            site.plan(|| -> Result<()> { panic!("boom") })
        }));
        assert!(caught.is_err());
        assert!(!site.planning(), "the thread writes again after a panic");
    }
}
