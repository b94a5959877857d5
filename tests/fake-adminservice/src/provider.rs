//! The SMS Provider's objects and what its `wmi` route does with them: collection queries, key
//! lookups (always `{"value":[...]}`, lazy properties only here), `POST` → 201 with the key,
//! `PUT` of the whole object, `DELETE` → 204, the error shape `{"error":{"code","message"}}`.

use crate::classes::{Access, Class};
use crate::odata::{self, Query};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The first key ConfigMgr hands out on a primary site (site ID 1 in the top byte).
pub const FIRST_ID: u32 = 16_777_217;

/// An answer before it becomes HTTP.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`None` for 204).
    pub body: Option<Value>,
    /// `Location` for 201.
    pub location: Option<String>,
}

impl Answer {
    fn ok(body: Value) -> Answer {
        Answer {
            status: 200,
            body: Some(body),
            location: None,
        }
    }
}

/// The provider's error shape; `code` is a string that need not match the HTTP status.
pub fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer {
        status,
        body: Some(json!({ "error": { "code": code, "message": message } })),
        location: None,
    }
}

/// The site's objects.
#[derive(Debug, Clone, Default)]
pub struct Objects {
    classes: BTreeMap<Class, BTreeMap<u32, Map<String, Value>>>,
    next_id: HashMap<Class, u32>,
    /// Plain secrets as the provider would decrypt them, by application `ID` (tests only).
    plain_secrets: HashMap<u32, String>,
}

impl Objects {
    /// Every object of `class`, by key.
    pub fn all(&self, class: Class) -> Vec<Map<String, Value>> {
        self.classes
            .get(&class)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// One object.
    pub fn get(&self, class: Class, id: u32) -> Option<&Map<String, Value>> {
        self.classes.get(&class).and_then(|m| m.get(&id))
    }

    /// The secret last written for application `id`, decrypted (what the CMG would use).
    pub fn plain_secret(&self, id: u32) -> Option<&str> {
        self.plain_secrets.get(&id).map(String::as_str)
    }

    /// Inserts an object as the console would have created it; returns its key.
    pub fn seed(&mut self, class: Class, site_code: &str, mut object: Map<String, Value>) -> u32 {
        let id = self.allocate(class);
        object.insert("ID".into(), json!(id));
        object.insert("SiteCode".into(), json!(site_code));
        if let Some(Value::String(secret)) = object.get("SecretKey").cloned() {
            object.insert("SecretKey".into(), json!(seal(&secret)));
            self.plain_secrets.insert(id, secret);
        }
        fill_missing(class, &mut object);
        self.classes.entry(class).or_default().insert(id, object);
        id
    }

    fn allocate(&mut self, class: Class) -> u32 {
        let next = self.next_id.entry(class).or_insert(FIRST_ID);
        let id = *next;
        *next += 1;
        id
    }

    /// `GET wmi/<Class>` with its query options.
    pub fn query(&self, class: Class, base: &str, raw_query: Option<&str>) -> Answer {
        let query = match odata::parse(class, raw_query) {
            Ok(q) => q,
            Err(message) => return error(400, "400", &message),
        };
        let value: Vec<Value> = self
            .all(class)
            .iter()
            .filter(|o| query.filter.as_ref().is_none_or(|f| odata::matches(f, o)))
            .map(|o| render(class, o, &query, false))
            .collect();
        Answer::ok(json!({ "@odata.context": context(base, class), "value": value }))
    }

    /// `GET wmi/<Class>(<key>)`: still a collection, with the lazy properties.
    pub fn lookup(&self, class: Class, base: &str, id: u32, raw_query: Option<&str>) -> Answer {
        let query = match odata::parse(class, raw_query) {
            Ok(q) => q,
            Err(message) => return error(400, "400", &message),
        };
        let value: Vec<Value> = self
            .get(class, id)
            .map(|o| render(class, o, &query, true))
            .into_iter()
            .collect();
        Answer::ok(json!({ "@odata.context": context(base, class), "value": value }))
    }

    /// `POST wmi/<Class>`.
    pub fn create(&mut self, class: Class, base: &str, site_code: &str, body: &Value) -> Answer {
        let incoming = match check_body(class, body, None) {
            Ok(o) => o,
            Err(e) => return e,
        };
        if let Err(e) = self.check_references(class, &incoming, None) {
            return e;
        }
        let id = self.allocate(class);
        let mut object = incoming;
        object.insert("ID".into(), json!(id));
        object.insert("SiteCode".into(), json!(site_code));
        let now = now();
        if class == Class::Application {
            object.insert("ApplicationCreationTime".into(), json!(now));
            object.insert("LastUpdateTime".into(), json!(now));
        }
        self.take_secret(id, &mut object, None);
        fill_missing(class, &mut object);
        self.classes
            .entry(class)
            .or_default()
            .insert(id, object.clone());
        let mut body = render(class, &object, &Query::default(), true);
        body["@odata.context"] = json!(format!("{}/$entity", context(base, class)));
        Answer {
            status: 201,
            body: Some(body),
            location: Some(format!("{base}/wmi/{}({id})", class.name())),
        }
    }

    /// `PUT wmi/<Class>(<key>)`: the whole object.
    pub fn replace(&mut self, class: Class, base: &str, id: u32, body: &Value) -> Answer {
        let Some(current) = self.get(class, id).cloned() else {
            return not_found(class, id);
        };
        let incoming = match check_body(class, body, Some(&current)) {
            Ok(o) => o,
            Err(e) => return e,
        };
        // Properties the body leaves out keep their value (a `SecretKey` never read back
        // included), as on an instance fetched, changed and put back through WMI.
        let mut object = current.clone();
        for (k, v) in incoming {
            object.insert(k, v);
        }
        if let Err(e) = self.check_references(class, &object, Some(id)) {
            return e;
        }
        if class == Class::Application {
            object.insert("LastUpdateTime".into(), json!(now()));
        }
        self.take_secret(id, &mut object, Some(&current));
        self.classes
            .entry(class)
            .or_default()
            .insert(id, object.clone());
        let mut body = render(class, &object, &Query::default(), true);
        body["@odata.context"] = json!(format!("{}/$entity", context(base, class)));
        Answer::ok(body)
    }

    /// `DELETE wmi/<Class>(<key>)`.
    pub fn delete(&mut self, class: Class, id: u32) -> Answer {
        if self.get(class, id).is_none() {
            return not_found(class, id);
        }
        if let Some(user) = self.user_of(class, id) {
            return error(
                400,
                "400",
                &format!(
                    "{}({id}) is in use by {user} and cannot be deleted.",
                    class.name()
                ),
            );
        }
        if let Some(m) = self.classes.get_mut(&class) {
            m.remove(&id);
        }
        self.plain_secrets.remove(&id);
        Answer {
            status: 204,
            body: None,
            location: None,
        }
    }

    /// Keeps the plain secret aside (as the provider's decryption would give it) and stores the
    /// sealed blob; a blob read back and written again unchanged keeps the old secret.
    fn take_secret(
        &mut self,
        id: u32,
        object: &mut Map<String, Value>,
        before: Option<&Map<String, Value>>,
    ) {
        let Some(Value::String(written)) = object.get("SecretKey").cloned() else {
            return;
        };
        let unchanged = before
            .and_then(|b| b.get("SecretKey"))
            .and_then(Value::as_str)
            == Some(written.as_str());
        if unchanged {
            return;
        }
        object.insert("SecretKey".into(), json!(seal(&written)));
        object.insert("SecretKeyCreationTime".into(), json!(now()));
        self.plain_secrets.insert(id, written);
    }

    fn user_of(&self, class: Class, id: u32) -> Option<String> {
        let refers = |c: Class, prop: &str| {
            self.all(c).into_iter().find(|o| match o.get(prop) {
                Some(Value::Array(ids)) => ids.iter().any(|v| v.as_u64() == Some(id as u64)),
                Some(v) => v.as_u64() == Some(id as u64),
                None => false,
            })
        };
        let (user_class, prop) = match class {
            Class::Tenant => (Class::Application, "TenantID"),
            Class::Application => (Class::CloudService, "AssociatedAADWebApplications"),
            Class::CloudService => (Class::DiscoverySettings, "CloudServiceId"),
            Class::DiscoverySettings => return None,
        };
        refers(user_class, prop).map(|o| format!("{}({})", user_class.name(), o["ID"]))
    }

    fn check_references(
        &self,
        class: Class,
        object: &Map<String, Value>,
        own_id: Option<u32>,
    ) -> Result<(), Answer> {
        let exists = |c: Class, v: &Value| {
            v.as_u64()
                .is_some_and(|id| self.get(c, id as u32).is_some())
        };
        let bad = |m: String| Err(error(400, "400", &m));
        let others = |c: Class| {
            self.all(c)
                .into_iter()
                .filter(move |o| o["ID"].as_u64() != own_id.map(u64::from))
        };
        let text = |o: &Map<String, Value>, p: &str| {
            o.get(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        };
        match class {
            Class::Tenant => {
                if uuid_like(&text(object, "TenantID")).is_none() {
                    return bad("TenantID must be a GUID.".into());
                }
                if others(Class::Tenant).any(|o| text(&o, "TenantID") == text(object, "TenantID")) {
                    return bad("A tenant with this TenantID already exists.".into());
                }
            }
            Class::Application => {
                if !object
                    .get("TenantID")
                    .is_some_and(|t| exists(Class::Tenant, t))
                {
                    return bad("TenantID does not name an SMS_AAD_Tenant_Ex object.".into());
                }
                if others(Class::Application).any(|o| {
                    o["TenantID"] == object["TenantID"]
                        && text(&o, "ClientID") == text(object, "ClientID")
                }) {
                    return bad(
                        "An application with this ClientID already exists in the tenant.".into(),
                    );
                }
                let server = object.get("IsClientApp") == Some(&Value::Bool(false));
                if server
                    && (object.get("SecretKey").is_none_or(Value::is_null)
                        || object.get("SecretKeyExpiry").is_none_or(Value::is_null))
                {
                    return bad("A server application needs SecretKey and SecretKeyExpiry.".into());
                }
            }
            Class::CloudService => {
                let apps = object
                    .get("AssociatedAADWebApplications")
                    .and_then(Value::as_array);
                if !apps.is_some_and(|a| {
                    !a.is_empty() && a.iter().all(|v| exists(Class::Application, v))
                }) {
                    return bad("AssociatedAADWebApplications must name existing SMS_AAD_Application_Ex objects.".into());
                }
                if others(Class::CloudService).any(|o| text(&o, "Name") == text(object, "Name")) {
                    return bad("A cloud service with this Name already exists.".into());
                }
            }
            Class::DiscoverySettings => {
                if !object
                    .get("CloudServiceId")
                    .is_some_and(|v| exists(Class::CloudService, v))
                {
                    return bad(
                        "CloudServiceId does not name an SMS_Azure_CloudService object.".into(),
                    );
                }
            }
        }
        Ok(())
    }
}

fn uuid_like(s: &str) -> Option<()> {
    let groups: Vec<&str> = s.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit())))
    .then_some(())
}

fn not_found(class: Class, id: u32) -> Answer {
    error(
        404,
        "404",
        &format!("No {} object has the key {id}.", class.name()),
    )
}

/// Checks a written object against the class: known properties, types, provider-set ones
/// unchanged, required ones present (on create, and on a whole-object PUT).
fn check_body(
    class: Class,
    body: &Value,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, Answer> {
    let Some(fields) = body.as_object() else {
        return Err(error(400, "400", "The request body must be a JSON object."));
    };
    let mut object = Map::new();
    for (name, value) in fields {
        if name.starts_with('@') || name == "__LAZYPROPERTIES" {
            continue;
        }
        let Some(property) = class.property(name) else {
            return Err(error(
                400,
                "400",
                &format!(
                    "The property '{name}' does not exist on type 'AdminService.{}'.",
                    class.name()
                ),
            ));
        };
        if !property.cim.accepts(value) {
            return Err(error(
                400,
                "400",
                &format!(
                    "Cannot convert the value of property '{}' to {:?}.",
                    property.name, property.cim
                ),
            ));
        }
        if property.access == Access::ProviderSet {
            let same = current.and_then(|c| c.get(property.name)) == Some(value);
            if !same && !value.is_null() {
                return Err(error(
                    400,
                    "400",
                    &format!(
                        "The property '{}' is set by the provider and cannot be written.",
                        property.name
                    ),
                ));
            }
            continue;
        }
        object.insert(property.name.to_string(), value.clone());
    }
    for property in class.properties() {
        if property.access == Access::Required
            && object.get(property.name).is_none_or(Value::is_null)
        {
            return Err(error(
                400,
                "400",
                &format!("The property '{}' is required.", property.name),
            ));
        }
    }
    Ok(object)
}

fn fill_missing(class: Class, object: &mut Map<String, Value>) {
    for p in class.properties() {
        object.entry(p.name.to_string()).or_insert(Value::Null);
    }
}

/// The object as the provider renders it: `@odata.etag`, `__LAZYPROPERTIES`, `$select` honoured;
/// lazy properties only on a key lookup.
fn render(class: Class, object: &Map<String, Value>, query: &Query, key_lookup: bool) -> Value {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), json!(etag(object)));
    out.insert("__LAZYPROPERTIES".into(), json!(class.lazy_names()));
    for p in class.properties() {
        let selected = query.select.as_ref().is_none_or(|s| s.contains(&p.name));
        if !selected {
            continue;
        }
        let value = if p.lazy && !key_lookup {
            Value::Null
        } else {
            object.get(p.name).cloned().unwrap_or(Value::Null)
        };
        out.insert(p.name.to_string(), value);
    }
    Value::Object(out)
}

fn etag(object: &Map<String, Value>) -> String {
    let digest = Sha256::digest(Value::Object(object.clone()).to_string().as_bytes());
    format!("W/\"{}\"", hex(&digest[..8]))
}

fn context(base: &str, class: Class) -> String {
    format!("{base}/wmi/$metadata#{}", class.name())
}

/// The opaque blob the provider stores instead of a plain secret (never the secret itself).
fn seal(secret: &str) -> String {
    let mut salt = [0u8; 16];
    let nonce = format!("{:?}{}", std::time::SystemTime::now(), secret.len());
    salt.copy_from_slice(&Sha256::digest(nonce.as_bytes())[..16]);
    let mut h = Sha256::new();
    h.update(salt);
    h.update(secret.as_bytes());
    format!("0C0100000{}{}", hex(&salt), hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
