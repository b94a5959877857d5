//! Documents of the cloud management service operations: requests with the discovery fields in,
//! the service document (`SMS_Azure_CloudService` shape) out.

use super::fields::{environment, Fields};
use crate::error::{Error, Result};
use crate::model::values::{description, name};
use crate::model::{
    format_time, CloudService, Discovery, DiscoveryChange, Schedule, ScheduleKind, ServiceFilter,
    ServiceRef, SideChange, SideNames,
};
use crate::session::{NewService, SetService};
use serde_json::{json, Map, Value};

/// `cmaad_new_cloud_management_service`'s request, with ConfigMgr's discovery rules applied.
pub fn new_service(json: &str) -> Result<NewService> {
    let mut f = Fields::parse(json, "request")?;
    let name = name(&f.required_str("Name")?, "Name")?;
    let server_app_id = f.required_i64("ServerAppId")?;
    let client_app_id = f.required_i64("ClientAppId")?;
    let description = f
        .optional_str("Description")?
        .map(|d| description(&d))
        .transpose()?
        .flatten();
    let environment = environment(&mut f, "AzureEnvironmentOption")?;
    let discovery = read_discovery_change(&mut f, false)?.apply(&Discovery::default())?;
    f.finish()?;
    Ok(NewService {
        name,
        server_app_id,
        client_app_id,
        description,
        environment,
        discovery,
    })
}

/// `cmaad_set_cloud_management_service`'s request; the discovery rules apply once the stored
/// settings are known.
pub fn set_service(json: &str) -> Result<SetService> {
    let mut f = Fields::parse(json, "request")?;
    let service = read_service_ref(&mut f)?;
    let new_name = f
        .optional_str("NewName")?
        .map(|n| name(&n, "NewName"))
        .transpose()?;
    let description = f
        .optional_str("Description")?
        .map(|d| description(&d))
        .transpose()?;
    let enable_aad_group_sync = f.optional_bool("EnableAADGroupSync")?;
    let discovery = read_discovery_change(&mut f, true)?;
    f.finish()?;
    if new_name.is_none()
        && description.is_none()
        && enable_aad_group_sync.is_none()
        && discovery.is_empty()
    {
        return Err(Error::invalid("request", "NothingToChange", "The request changes nothing: give NewName, Description, EnableAADGroupSync or discovery settings."));
    }
    Ok(SetService {
        service,
        new_name,
        description,
        enable_aad_group_sync,
        discovery,
    })
}

/// A service filter (`cmaad_get_services`); NULL or blank means every service.
pub fn service_filter(json: Option<&str>) -> Result<ServiceFilter> {
    let mut f = Fields::parse_optional(json, "filter")?;
    let id = f.optional_i64("ID")?;
    let pattern = f
        .optional_str("Name")?
        .map(|n| name(&n, "Name"))
        .transpose()?;
    f.finish()?;
    Ok(ServiceFilter { id, name: pattern })
}

/// Reads `ID` or `Name` from a request.
fn read_service_ref(f: &mut Fields) -> Result<ServiceRef> {
    let id = f.optional_i64("ID")?;
    let service_name = f.optional_str("Name")?;
    match (id, service_name) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "ID",
            "AmbiguousService",
            "Give either ID or Name, not both: they name the service two ways.",
        )),
        (Some(id), None) => Ok(ServiceRef::Id(id)),
        (None, Some(n)) => Ok(ServiceRef::Name(name(&n, "Name")?)),
        (None, None) => Err(Error::invalid(
            "ID",
            "MissingField",
            "ID is missing: give the service's ID or Name (from Get-CMAzureService).",
        )),
    }
}

/// A request that only names a service (`cmaad_remove_service`).
pub fn service_ref(json: &str) -> Result<ServiceRef> {
    let mut f = Fields::parse(json, "request")?;
    let service = read_service_ref(&mut f)?;
    f.finish()?;
    Ok(service)
}

/// Reads the discovery fields; `DeleteGroupName` only `with_delete` (it exists on `Set-` alone).
fn read_discovery_change(f: &mut Fields, with_delete: bool) -> Result<DiscoveryChange> {
    let user = read_side(f, &SideNames::of("User"))?;
    let group = read_side(f, &SideNames::of("Group"))?;
    let add_group_name = group_names(f, "AddGroupName")?;
    let delete_group_name = if with_delete {
        group_names(f, "DeleteGroupName")?
    } else {
        Vec::new()
    };
    Ok(DiscoveryChange {
        user,
        group,
        add_group_name,
        delete_group_name,
    })
}

fn read_side(f: &mut Fields, n: &SideNames) -> Result<SideChange> {
    Ok(SideChange {
        enabled: f.optional_bool(&n.enable)?,
        delta: f.optional_bool(&n.delta)?,
        delta_mins: f.optional_i64(&n.mins)?,
        schedule: f
            .optional_object(&n.schedule)?
            .map(|m| schedule(m, &n.schedule))
            .transpose()?,
    })
}

/// An optional list of group names, each checked like a name.
fn group_names(f: &mut Fields, field: &str) -> Result<Vec<String>> {
    f.optional_str_array(field)?
        .unwrap_or_default()
        .iter()
        .map(|g| name(g, field))
        .collect()
}

/// A schedule object (`{"Kind": "Days", "Interval": 7}`).
fn schedule(map: Map<String, Value>, field: &str) -> Result<Schedule> {
    let mut f = Fields::nested(map, "schedule");
    let kind = ScheduleKind::parse(
        &f.required_str("Kind").map_err(|e| e.with_target(field))?,
        field,
    )?;
    let interval = f
        .required_i64("Interval")
        .map_err(|e| e.with_target(field))?;
    f.finish().map_err(|e| e.with_target(field))?;
    Schedule::new(kind, interval, field)
}

fn schedule_document(s: &Schedule) -> Value {
    json!({ "Kind": s.kind.name(), "Interval": s.interval })
}

/// The service document (`SMS_Azure_CloudService` shape).
pub fn service(s: &CloudService) -> Value {
    let d = &s.discovery;
    json!({
        "ID": s.id,
        "Name": s.name,
        "Description": s.description,
        "ServiceType": "CloudManagement",
        "TenantID": s.tenant_id,
        "ServerAppID": s.server_app_id,
        "ClientAppID": s.client_app_id,
        "AzureEnvironment": s.environment.name(),
        "EnableAADGroupSync": s.enable_aad_group_sync,
        "DisableAADAuthentication": s.disable_aad_authentication,
        "CreatedTime": format_time(&s.created),
        "LastUpdateTime": format_time(s.updated.as_ref().unwrap_or(&s.created)),
        "EnableUserDiscovery": d.enable_user_discovery,
        "EnableUserDeltaDiscovery": d.enable_user_delta_discovery,
        "UserDeltaDiscoveryMins": d.user_delta_discovery_mins,
        "UserDiscoverySchedule": d.user_discovery_schedule.as_ref().map(schedule_document),
        "EnableGroupDiscovery": d.enable_group_discovery,
        "EnableGroupDeltaDiscovery": d.enable_group_delta_discovery,
        "GroupDeltaDiscoveryMins": d.group_delta_discovery_mins,
        "GroupDiscoverySchedule": d.group_discovery_schedule.as_ref().map(schedule_document),
        "AddGroupName": d.add_group_name,
    })
}

/// `{"value": [services]}`.
pub fn service_list(services: &[CloudService]) -> Value {
    json!({ "value": services.iter().map(service).collect::<Vec<_>>() })
}

/// A removed service's document with `"Removed": true`.
pub fn removed_service(s: &CloudService) -> Value {
    let mut doc = service(s);
    doc["Removed"] = json!(true);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_rules() {
        let ok = new_service(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableUserDiscovery":true,"EnableUserDeltaDiscovery":true,"UserDeltaDiscoveryMins":60}"#).unwrap();
        assert_eq!(ok.discovery.user_delta_discovery_mins, Some(60));
        assert_eq!(
            ok.discovery.user_discovery_schedule,
            Some(Discovery::DEFAULT_SCHEDULE)
        );
        let e = new_service(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableUserDiscovery":true,"EnableUserDeltaDiscovery":true,"UserDeltaDiscoveryMins":61}"#).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("OutOfRange", Some("UserDeltaDiscoveryMins"))
        );
        let e = new_service(
            r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"GroupDeltaDiscoveryMins":10}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, "DeltaDiscoveryDisabled");
        let e = new_service(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"AddGroupName":["G"]}"#)
            .unwrap_err();
        assert_eq!(e.code, "GroupDiscoveryDisabled");
        let e = new_service(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableGroupDiscovery":true,"GroupDiscoverySchedule":{"Kind":"Days","Interval":0}}"#).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("GroupDiscoverySchedule"));
    }
}
