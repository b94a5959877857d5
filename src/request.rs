//! Requests as callers send them (JSON objects whose property names are the cmdlet parameter
//! names), checked field by field so every error names the field, the problem and the fix.

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use crate::model::{AppType, Discovery, Schedule, ScheduleKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

pub mod lifecycle;
pub use lifecycle::{
    AppRef, RotateRequest, ServiceFilter, ServiceRef, SetAppRequest, SetSecretRequest,
    SetServiceRequest, SetTenantRequest, TenantFilter,
};

/// Longest name ConfigMgr's console accepts for apps, tenants and services.
pub const MAX_NAME_CHARS: usize = 256;
/// Deepest JSON nesting any request needs; deeper documents are refused before parsing.
const MAX_DEPTH: usize = 16;
/// Largest request document accepted.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// A request object whose fields are taken one by one; unknown fields are an error.
pub struct Fields {
    what: &'static str,
    map: Map<String, Value>,
}

impl Fields {
    /// Parses `json` as an object; `what` names the document in errors ("request", "options").
    pub fn parse(json: &str, what: &'static str) -> Result<Fields> {
        if json.len() > MAX_REQUEST_BYTES {
            return Err(Error::invalid(what, "RequestTooLarge", format!("The {what} is {} bytes, more than the {MAX_REQUEST_BYTES} a {what} may have: send only the documented fields.", json.len())));
        }
        check_depth(json, what)?;
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Error::invalid(what, "MalformedJson", format!("The {what} is not valid JSON ({e}): send one JSON object such as {{\"AppName\": \"CmgServerApp\"}}."))
        })?;
        match value {
            Value::Object(map) => Ok(Fields { what, map }),
            other => Err(Error::invalid(what, "NotAnObject", format!("The {what} is a JSON {}, not an object: send one JSON object with the documented fields.", kind(&other)))),
        }
    }

    /// An empty request (a NULL or empty filter means "no filter").
    pub fn empty(what: &'static str) -> Fields {
        Fields {
            what,
            map: Map::new(),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        match self.map.remove(name) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    /// A mandatory string field.
    pub fn required_str(&mut self, name: &str) -> Result<String> {
        self.optional_str(name)?.ok_or_else(|| {
            Error::invalid(
                name,
                "MissingField",
                format!("{name} is missing from the {}: it is mandatory.", self.what),
            )
        })
    }

    /// An optional string field.
    pub fn optional_str(&mut self, name: &str) -> Result<Option<String>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(name, "a string", &other)),
        }
    }

    /// An optional boolean field.
    pub fn optional_bool(&mut self, name: &str) -> Result<Option<bool>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(wrong_type(name, "true or false", &other)),
        }
    }

    /// An optional integer field.
    pub fn optional_i64(&mut self, name: &str) -> Result<Option<i64>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(name, "a whole number", &Value::Number(n.clone()))),
            Some(other) => Err(wrong_type(name, "a whole number", &other)),
        }
    }

    /// An optional integer field that must lie in `range`; `unit` names it in the message
    /// ("days", "seconds").
    pub fn optional_i64_in(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
        unit: &str,
    ) -> Result<Option<i64>> {
        match self.optional_i64(name)? {
            Some(v) if !range.contains(&v) => Err(Error::invalid(
                name,
                "OutOfRange",
                format!(
                    "{name} {v} is out of range: give {} to {} {unit}.",
                    range.start(),
                    range.end()
                ),
            )),
            v => Ok(v),
        }
    }

    /// A mandatory integer field.
    pub fn required_i64(&mut self, name: &str) -> Result<i64> {
        self.optional_i64(name)?.ok_or_else(|| {
            Error::invalid(
                name,
                "MissingField",
                format!("{name} is missing from the {}: it is mandatory.", self.what),
            )
        })
    }

    /// An optional array of strings; a single string counts as a one-element array.
    pub fn optional_str_array(&mut self, name: &str) -> Result<Option<Vec<String>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s])),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(wrong_type(name, "an array of strings", &other)),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(other) => Err(wrong_type(name, "an array of strings", &other)),
        }
    }

    /// An optional object field, as its own [`Fields`].
    pub fn optional_object(&mut self, name: &str) -> Result<Option<Map<String, Value>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(wrong_type(name, "an object", &other)),
        }
    }

    /// Fails on any field left over: it is unknown (a typo, or a field of another request).
    pub fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(Error::invalid(
                key,
                "UnknownField",
                format!("{key} is not a field of the {}: check its spelling against the cmdlet's parameter names.", self.what),
            )),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(name: &str, expected: &str, got: &Value) -> Error {
    Error::invalid(
        name,
        "WrongType",
        format!("{name} is a JSON {}, but it must be {expected}.", kind(got)),
    )
}

/// Refuses documents nested deeper than any request needs, before the parser recurses.
fn check_depth(json: &str, what: &str) -> Result<()> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in json.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::invalid(what, "TooDeeplyNested", format!("The {what} nests objects or arrays more than {MAX_DEPTH} deep: send the documented flat fields.")));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A display name: trimmed, not blank, at most [`MAX_NAME_CHARS`], no control characters.
pub fn name(value: &str, field: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            field,
            "EmptyName",
            format!("{field} is empty or blank: give the name shown in Entra or ConfigMgr."),
        ));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            "NameTooLong",
            format!("{field} is {chars} characters long: use at most {MAX_NAME_CHARS}."),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "InvalidName",
            format!("{field} contains control characters (a tab or line break?): remove them."),
        ));
    }
    Ok(trimmed.to_string())
}

/// A GUID in any of .NET's usual forms, returned lower-case and hyphenated.
pub fn guid(value: &str, field: &str) -> Result<String> {
    let hint = match field {
        "ClientId" => "copy the Application (client) ID from the app's Overview page in Entra",
        "TenantId" => "copy the Directory (tenant) ID from the app's Overview page in Entra",
        _ => "give a GUID such as 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b",
    };
    let parsed = uuid::Uuid::try_parse(value.trim()).map_err(|_| {
        Error::invalid(
            field,
            &format!("Invalid{field}"),
            format!("{field} '{}' is not a GUID: {hint}.", shorten(value)),
        )
    })?;
    if parsed.is_nil() {
        return Err(Error::invalid(
            field,
            &format!("Invalid{field}"),
            format!("{field} is the all-zero GUID: {hint}."),
        ));
    }
    Ok(parsed.hyphenated().to_string())
}

/// A value echoed in an error: scrubbed of anything credential-looking (a secret pasted into the
/// wrong field must not come back, [`crate::scrub::server_text`]), then cut to a readable length.
fn shorten(value: &str) -> String {
    let value = crate::scrub::server_text(value, &[]);
    let mut s: String = value.chars().take(64).collect();
    if value.chars().count() > 64 {
        s.push('…');
    }
    s
}

/// An RFC 3339 timestamp or a plain date (midnight UTC) that lies after `now`.
pub fn future_time(value: &str, field: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let t = parse_time(value, field)?;
    if t <= now {
        return Err(Error::invalid(
            field,
            "ExpiryInPast",
            format!("{field} {} is not in the future: an expired secret cannot authenticate; create a new secret in Entra and give its expiry.", crate::model::format_time(&t)),
        ));
    }
    Ok(t)
}

fn parse_time(value: &str, field: &str) -> Result<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(Error::invalid(
        field,
        "InvalidDate",
        format!(
            "{field} '{}' is not a date: use RFC 3339 such as 2027-11-16T00:00:00Z, or 2027-11-16.",
            shorten(value)
        ),
    ))
}

/// Outcome of checking an App ID URI: the URI to store and any warning for the admin.
#[derive(Debug)]
pub struct AppIdUri {
    /// The URI as stored.
    pub uri: String,
    /// Advice that does not stop the import.
    pub warning: Option<String>,
}

/// Checks an App ID URI: absolute, scheme `api` or `https`.
pub fn app_id_uri(value: &str, tenant_id: &str, client_id: &str) -> Result<AppIdUri> {
    const FIELD: &str = "AppIdUri";
    let v = value.trim();
    let url = url::Url::parse(v).map_err(|_| {
        Error::invalid(FIELD, "RelativeAppIdUri", format!("AppIdUri '{}' is not an absolute URI: copy the Application ID URI from the app's Expose an API page; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value)))
    })?;
    if url.scheme() != "api" && url.scheme() != "https" {
        return Err(Error::invalid(FIELD, "InvalidAppIdUriScheme", format!("AppIdUri '{}' has scheme '{}': Entra accepts api:// or https:// here; the recommended form is api://{tenant_id}/ConfigMgrService.", shorten(value), url.scheme())));
    }
    if url.host_str().map_or(true, str::is_empty) {
        return Err(Error::invalid(
            FIELD,
            "RelativeAppIdUri",
            format!(
                "AppIdUri '{}' has no host part: use api://{tenant_id}/ConfigMgrService.",
                shorten(value)
            ),
        ));
    }
    let lower = v.to_ascii_lowercase();
    let warning = if lower.trim_end_matches('/') == "https://configmgrservice" {
        Some(format!("AppIdUri '{v}' is ConfigMgr's old default: Entra's default policy now rejects new URIs without a tenant ID, app ID or verified domain; prefer api://{tenant_id}/ConfigMgrService when you next recreate the app."))
    } else if url.scheme() == "api" && !lower.contains(tenant_id) && !lower.contains(client_id) {
        Some(format!("AppIdUri '{v}' holds neither the tenant ID nor the client ID; the recommended form is api://{tenant_id}/ConfigMgrService."))
    } else {
        None
    };
    Ok(AppIdUri {
        uri: v.to_string(),
        warning,
    })
}

/// A checked server app import.
#[derive(Debug, Clone)]
pub struct ServerAppRequest {
    /// Tenant label (friendly name or verified domain).
    pub tenant_name: String,
    /// Tenant GUID.
    pub tenant_id: String,
    /// Display name.
    pub app_name: String,
    /// Application (client) ID.
    pub client_id: String,
    /// Secret expiry.
    pub secret_key_expiry: DateTime<Utc>,
    /// App ID URI.
    pub app_id_uri: Option<String>,
    /// The app's cloud (the session's when not given).
    pub environment: Option<AzureEnvironment>,
    /// Verify against Entra before storing.
    pub verify: bool,
    /// Advice for the admin.
    pub warnings: Vec<String>,
}

impl ServerAppRequest {
    /// Parses and checks a server app request.
    pub fn parse(json: &str, now: DateTime<Utc>) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let tenant_name = name(&f.required_str("TenantName")?, "TenantName")?;
        let tenant_id = guid(&f.required_str("TenantId")?, "TenantId")?;
        let app_name = name(&f.required_str("AppName")?, "AppName")?;
        let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
        let secret_key_expiry =
            future_time(&f.required_str("SecretKeyExpiry")?, "SecretKeyExpiry", now)?;
        let checked_uri = f
            .optional_str("AppIdUri")?
            .map(|u| app_id_uri(&u, &tenant_id, &client_id))
            .transpose()?;
        let environment = environment(&mut f, "AzureEnvironmentOption")?;
        let verify = f.optional_bool("Verify")?.unwrap_or(false);
        f.finish()?;
        let (app_id_uri, warnings) = match checked_uri {
            Some(c) => (Some(c.uri), c.warning.into_iter().collect()),
            None => (None, Vec::new()),
        };
        Ok(ServerAppRequest {
            tenant_name,
            tenant_id,
            app_name,
            client_id,
            secret_key_expiry,
            app_id_uri,
            environment,
            verify,
            warnings,
        })
    }
}

/// An optional `AzureEnvironment`-typed field.
pub fn environment(f: &mut Fields, field: &str) -> Result<Option<AzureEnvironment>> {
    f.optional_str(field)?
        .map(|v| AzureEnvironment::parse(&v, field))
        .transpose()
}

/// Which tenant a client app joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    /// By tenant GUID (`-TenantId`).
    TenantId(String),
    /// By the server app's `ID` (`-ServerApp`).
    ServerAppId(i64),
}

/// A checked client app import.
#[derive(Debug, Clone)]
pub struct ClientAppRequest {
    /// Display name.
    pub app_name: String,
    /// Application (client) ID.
    pub client_id: String,
    /// The tenant, by GUID or by server app.
    pub tenant: TenantRef,
    /// Verify against Entra before storing.
    pub verify: bool,
}

impl ClientAppRequest {
    /// Parses and checks a client app request.
    pub fn parse(json: &str) -> Result<Self> {
        let mut f = Fields::parse(json, "request")?;
        let app_name = name(&f.required_str("AppName")?, "AppName")?;
        let client_id = guid(&f.required_str("ClientId")?, "ClientId")?;
        let tenant_id = f.optional_str("TenantId")?;
        let server_app_id = f.optional_i64("ServerAppId")?;
        let tenant = match (tenant_id, server_app_id) {
            (Some(_), Some(_)) => return Err(Error::invalid("ServerAppId", "AmbiguousTenant", "Give either TenantId or ServerAppId, not both: they are two parameter sets (ById, ByServerApp).")),
            (None, None) => return Err(Error::invalid("TenantId", "MissingField", "TenantId or ServerAppId is missing: give the tenant GUID, or the ID of the tenant's server app.")),
            (Some(t), None) => TenantRef::TenantId(guid(&t, "TenantId")?),
            (None, Some(id)) => TenantRef::ServerAppId(id),
        };
        let verify = f.optional_bool("Verify")?.unwrap_or(false);
        f.finish()?;
        Ok(ClientAppRequest {
            app_name,
            client_id,
            tenant,
            verify,
        })
    }
}

/// Filters of `Get-CMAADApplication`; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppFilter {
    /// Display name, case-insensitive.
    pub app_name: Option<String>,
    /// Server or client.
    pub app_type: Option<AppType>,
    /// Application (client) ID.
    pub client_id: Option<String>,
    /// Tenant GUID.
    pub tenant_id: Option<String>,
    /// Tenant label, case-insensitive.
    pub tenant_name: Option<String>,
    /// Only server apps whose `DaysUntilSecretExpiry` is at most this (expired ones included).
    pub expiring_within_days: Option<i64>,
}

impl AppFilter {
    /// Parses a filter; `None` or an empty string means no filter.
    pub fn parse(json: Option<&str>) -> Result<Self> {
        let mut f = match json {
            None => Fields::empty("filter"),
            Some(s) if s.trim().is_empty() => Fields::empty("filter"),
            Some(s) => Fields::parse(s, "filter")?,
        };
        let app_name = f
            .optional_str("AppName")?
            .map(|v| name(&v, "AppName"))
            .transpose()?;
        let app_type = f
            .optional_str("AppType")?
            .map(|v| AppType::parse(&v, "AppType"))
            .transpose()?;
        let client_id = f
            .optional_str("ClientId")?
            .map(|v| guid(&v, "ClientId"))
            .transpose()?;
        let tenant_id = f
            .optional_str("TenantId")?
            .map(|v| guid(&v, "TenantId"))
            .transpose()?;
        let tenant_name = f
            .optional_str("TenantName")?
            .map(|v| name(&v, "TenantName"))
            .transpose()?;
        let expiring_within_days = f.optional_i64_in("ExpiringWithinDays", 0..=36_500, "days")?;
        f.finish()?;
        Ok(AppFilter {
            app_name,
            app_type,
            client_id,
            tenant_id,
            tenant_name,
            expiring_within_days,
        })
    }
}

/// A checked cloud management service request.
#[derive(Debug, Clone)]
pub struct ServiceRequest {
    /// Unique service name.
    pub name: String,
    /// The server app's `ID`.
    pub server_app_id: i64,
    /// The client app's `ID`.
    pub client_app_id: i64,
    /// Optional description.
    pub description: Option<String>,
    /// The service's cloud (the apps' when not given).
    pub environment: Option<AzureEnvironment>,
    /// Discovery settings.
    pub discovery: Discovery,
}

/// ConfigMgr's range for delta discovery intervals.
pub const DELTA_MINS_RANGE: std::ops::RangeInclusive<i64> = 5..=60;

impl ServiceRequest {
    /// Parses and checks a service request, applying ConfigMgr's discovery rules.
    pub fn parse(json: &str) -> Result<Self> {
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
        let discovery = discovery(&mut f)?;
        f.finish()?;
        Ok(ServiceRequest {
            name,
            server_app_id,
            client_app_id,
            description,
            environment,
            discovery,
        })
    }
}

/// Longest service description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 512;

/// A service description: trimmed; blank means none.
pub fn description(value: &str) -> Result<Option<String>> {
    let d = value.trim();
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(
            "Description",
            "DescriptionTooLong",
            format!("Description is longer than {MAX_DESCRIPTION_CHARS} characters: shorten it."),
        ));
    }
    Ok((!d.is_empty()).then(|| d.to_string()))
}

/// Reads and checks the discovery fields of a new service.
pub fn discovery(f: &mut Fields) -> Result<Discovery> {
    DiscoveryChange::parse(f)?.apply(&Discovery::default())
}

/// Discovery fields as a request gives them: absent ones keep the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveryChange {
    user: SideChange,
    group: SideChange,
    add_group_name: Vec<String>,
    delete_group_name: Vec<String>,
}

/// One side (user or group) of a discovery change.
#[derive(Debug, Clone, Default, PartialEq)]
struct SideChange {
    enabled: Option<bool>,
    delta: Option<bool>,
    delta_mins: Option<i64>,
    schedule: Option<Schedule>,
}

/// One side of the stored settings.
#[derive(Debug, Clone, Copy)]
struct SideState {
    enabled: bool,
    delta: bool,
    delta_mins: Option<i32>,
    schedule: Option<Schedule>,
}

/// The field names of one side: `Enable{X}Discovery`, `Enable{X}DeltaDiscovery`,
/// `{X}DeltaDiscoveryMins`, `{X}DiscoverySchedule`.
struct SideNames {
    enable: String,
    delta: String,
    mins: String,
    schedule: String,
}

impl SideNames {
    fn of(who: &str) -> Self {
        SideNames {
            enable: format!("Enable{who}Discovery"),
            delta: format!("Enable{who}DeltaDiscovery"),
            mins: format!("{who}DeltaDiscoveryMins"),
            schedule: format!("{who}DiscoverySchedule"),
        }
    }
}

impl DiscoveryChange {
    /// Reads the discovery fields (types only; the rules apply in [`DiscoveryChange::apply`]).
    /// `DeleteGroupName` is read only when `with_delete` (it exists on `Set-` alone).
    fn read(f: &mut Fields, with_delete: bool) -> Result<Self> {
        let user = SideChange::read(f, &SideNames::of("User"))?;
        let group = SideChange::read(f, &SideNames::of("Group"))?;
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

    /// Reads the discovery fields of `New-CMCloudManagementAzureService`.
    pub fn parse(f: &mut Fields) -> Result<Self> {
        Self::read(f, false)
    }

    /// Reads the discovery fields of `Set-CMCloudManagementAzureService` (with `DeleteGroupName`).
    pub fn parse_update(f: &mut Fields) -> Result<Self> {
        Self::read(f, true)
    }

    /// True when the change sets nothing.
    pub fn is_empty(&self) -> bool {
        self == &DiscoveryChange::default()
    }

    /// The settings after this change, checked with ConfigMgr's rules. Settings the request gives
    /// that break a rule are errors naming the field; stored settings that a change makes
    /// meaningless (a delta interval once discovery is off) are dropped.
    pub fn apply(&self, current: &Discovery) -> Result<Discovery> {
        let user = self.user.apply(
            SideState {
                enabled: current.enable_user_discovery,
                delta: current.enable_user_delta_discovery,
                delta_mins: current.user_delta_discovery_mins,
                schedule: current.user_discovery_schedule,
            },
            &SideNames::of("User"),
        )?;
        let group = self.group.apply(
            SideState {
                enabled: current.enable_group_discovery,
                delta: current.enable_group_delta_discovery,
                delta_mins: current.group_delta_discovery_mins,
                schedule: current.group_discovery_schedule,
            },
            &SideNames::of("Group"),
        )?;
        let add_group_name = self.groups(current, group.enabled)?;
        Ok(Discovery {
            enable_user_discovery: user.enabled,
            enable_user_delta_discovery: user.delta,
            user_delta_discovery_mins: user.delta_mins,
            user_discovery_schedule: user.schedule,
            enable_group_discovery: group.enabled,
            enable_group_delta_discovery: group.delta,
            group_delta_discovery_mins: group.delta_mins,
            group_discovery_schedule: group.schedule,
            add_group_name,
        })
    }

    /// The group list after adding and deleting names (case-insensitive, no duplicates).
    fn groups(&self, current: &Discovery, enabled: bool) -> Result<Vec<String>> {
        if !self.add_group_name.is_empty() && !enabled {
            return Err(Error::invalid(
                "AddGroupName",
                "GroupDiscoveryDisabled",
                "AddGroupName needs group discovery: also set EnableGroupDiscovery to true.",
            ));
        }
        let mut groups = if enabled {
            current.add_group_name.clone()
        } else {
            Vec::new()
        };
        for gone in &self.delete_group_name {
            let before = groups.len();
            groups.retain(|g| !g.eq_ignore_ascii_case(gone));
            if groups.len() == before {
                return Err(Error::invalid(
                    "DeleteGroupName",
                    "GroupNotFound",
                    format!("DeleteGroupName '{gone}' is not among the service's discovery groups ({}): check the name with Get-CMAzureService.", groups.join(", ")),
                ));
            }
        }
        for added in &self.add_group_name {
            if !groups.iter().any(|g| g.eq_ignore_ascii_case(added)) {
                groups.push(added.clone());
            }
        }
        Ok(groups)
    }
}

/// An optional list of group names, each checked like a name.
fn group_names(f: &mut Fields, field: &str) -> Result<Vec<String>> {
    f.optional_str_array(field)?
        .unwrap_or_default()
        .iter()
        .map(|g| name(g, field))
        .collect()
}

impl SideChange {
    fn read(f: &mut Fields, n: &SideNames) -> Result<Self> {
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

    fn apply(&self, current: SideState, n: &SideNames) -> Result<SideState> {
        let enabled = self.enabled.unwrap_or(current.enabled);
        if self.delta == Some(true) && !enabled {
            return Err(needs(&n.delta, &n.enable));
        }
        if self.schedule.is_some() && !enabled {
            return Err(needs(&n.schedule, &n.enable));
        }
        let delta = self.delta.unwrap_or(current.delta) && enabled;
        let delta_mins = match self.delta_mins {
            Some(_) if !delta => {
                return Err(Error::invalid(
                    &n.mins,
                    "DeltaDiscoveryDisabled",
                    format!(
                        "{} needs delta discovery: also set {} to true.",
                        n.mins, n.delta
                    ),
                ))
            }
            Some(m) if !DELTA_MINS_RANGE.contains(&m) => {
                return Err(Error::invalid(
                    &n.mins,
                    "OutOfRange",
                    format!(
                    "{} {m} is out of range: ConfigMgr runs delta discovery every 5 to 60 minutes.",
                    n.mins
                ),
                ))
            }
            Some(m) => Some(m as i32),
            None if delta => current.delta_mins.or(Some(Discovery::DEFAULT_DELTA_MINS)),
            None => None,
        };
        let schedule = if enabled {
            self.schedule
                .or(current.schedule)
                .or(Some(Discovery::DEFAULT_SCHEDULE))
        } else {
            None
        };
        Ok(SideState {
            enabled,
            delta,
            delta_mins,
            schedule,
        })
    }
}

fn needs(field: &str, enable: &str) -> Error {
    Error::invalid(
        field,
        "DiscoveryDisabled",
        format!("{field} needs {enable}: set {enable} to true as well."),
    )
}

fn schedule(map: Map<String, Value>, field: &str) -> Result<Schedule> {
    let mut f = Fields {
        what: "schedule",
        map,
    };
    let kind = ScheduleKind::parse(
        &f.required_str("Kind").map_err(|e| e.with_target(field))?,
        field,
    )?;
    let interval = f
        .required_i64("Interval")
        .map_err(|e| e.with_target(field))?;
    f.finish().map_err(|e| e.with_target(field))?;
    if interval < 1 || interval > i64::from(kind.max_interval()) {
        return Err(Error::invalid(
            field,
            "OutOfRange",
            format!(
                "{field}.Interval {interval} is out of range: give 1 to {} {}.",
                kind.max_interval(),
                kind.name()
            ),
        ));
    }
    Ok(Schedule {
        kind,
        interval: interval as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_forms_are_normalised() {
        assert_eq!(
            guid("{05A349FA-0D5C-4A1C-9F3E-1C2D3E4F5A6B}", "TenantId").unwrap(),
            "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"
        );
        assert_eq!(guid("abc", "ClientId").unwrap_err().code, "InvalidClientId");
        assert_eq!(
            guid("00000000-0000-0000-0000-000000000000", "TenantId")
                .unwrap_err()
                .code,
            "InvalidTenantId"
        );
    }

    #[test]
    fn names() {
        assert_eq!(name("  Contoso ", "TenantName").unwrap(), "Contoso");
        assert_eq!(name(" \t ", "AppName").unwrap_err().code, "EmptyName");
        assert_eq!(
            name(&"x".repeat(257), "AppName").unwrap_err().code,
            "NameTooLong"
        );
        assert!(name(&"é".repeat(256), "AppName").is_ok());
    }

    #[test]
    fn app_id_uris() {
        let t = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
        assert!(app_id_uri(&format!("api://{t}/ConfigMgrService"), t, "c")
            .unwrap()
            .warning
            .is_none());
        assert!(app_id_uri("https://contoso.com/ConfigMgrService", t, "c")
            .unwrap()
            .warning
            .is_none());
        assert!(app_id_uri("https://ConfigMgrService", t, "c")
            .unwrap()
            .warning
            .is_some());
        assert_eq!(
            app_id_uri("ConfigMgrService", t, "c").unwrap_err().code,
            "RelativeAppIdUri"
        );
        assert_eq!(
            app_id_uri("http://x/y", t, "c").unwrap_err().code,
            "InvalidAppIdUriScheme"
        );
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            Fields::parse(&deep, "request").err().unwrap().code,
            "TooDeeplyNested"
        );
        assert!(Fields::parse(r#"{"a":"[[[[[[[[[[[[[[[[[[[[[["}"#, "request").is_ok());
    }

    #[test]
    fn discovery_rules() {
        let ok = ServiceRequest::parse(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableUserDiscovery":true,"EnableUserDeltaDiscovery":true,"UserDeltaDiscoveryMins":60}"#).unwrap();
        assert_eq!(ok.discovery.user_delta_discovery_mins, Some(60));
        assert_eq!(
            ok.discovery.user_discovery_schedule,
            Some(Discovery::DEFAULT_SCHEDULE)
        );
        let e = ServiceRequest::parse(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableUserDiscovery":true,"EnableUserDeltaDiscovery":true,"UserDeltaDiscoveryMins":61}"#).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("OutOfRange", Some("UserDeltaDiscoveryMins"))
        );
        let e = ServiceRequest::parse(
            r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"GroupDeltaDiscoveryMins":10}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, "DeltaDiscoveryDisabled");
        let e = ServiceRequest::parse(
            r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"AddGroupName":["G"]}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, "GroupDiscoveryDisabled");
        let e = ServiceRequest::parse(r#"{"Name":"S","ServerAppId":1,"ClientAppId":2,"EnableGroupDiscovery":true,"GroupDiscoverySchedule":{"Kind":"Days","Interval":0}}"#).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("GroupDiscoverySchedule"));
    }
}
