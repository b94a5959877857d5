//! Hostile input at the C ABI: a table of distinct bad inputs across the exported functions.
//! Each is answered with its status and a clear error naming the field; no panic reaches the
//! caller and the store is unchanged.

mod common;

use cmaad::ffi::{self, cmaad_status, cmaad_status::*};
use common::*;
use serde_json::{json, Value};
use std::ffi::{c_char, CString};
use std::ptr;

/// One call of the C ABI against the test context.
type Run = Box<dyn Fn(&Ctx) -> (cmaad_status, Value)>;

type Case = (&'static str, Run, cmaad_status, &'static str);

struct Ctx {
    s: FfiSession,
    server: i64,
    client: i64,
}

fn set(base: Value, key: &str, v: Value) -> Value {
    let mut b = base;
    if v.is_null() {
        b.as_object_mut().unwrap().remove(key);
    } else {
        b[key] = v;
    }
    b
}

fn fresh() -> Value {
    set(
        server_request(),
        "ClientId",
        json!("41111111-2222-4333-8444-555555555555"),
    )
}

fn srv(key: &'static str, v: Value) -> Run {
    Box::new(move |c| c.s.import_server(&set(fresh(), key, v.clone()), SECRET))
}

fn srv_secret(units: Vec<u16>) -> Run {
    Box::new(move |c| {
        let r = CString::new(fresh().to_string()).unwrap();
        call(|out| unsafe {
            ffi::cmaad_import_server_app(c.s.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
        })
    })
}

fn raw(
    f: fn(*mut ffi::cmaad_session, *const c_char, *mut *mut c_char) -> cmaad_status,
    bytes: Vec<u8>,
) -> Run {
    Box::new(move |c| {
        let r = CString::new(bytes.clone()).unwrap();
        call(|out| f(c.s.handle, r.as_ptr(), out))
    })
}

fn client_raw(s: *mut ffi::cmaad_session, r: *const c_char, o: *mut *mut c_char) -> cmaad_status {
    unsafe { ffi::cmaad_import_client_app(s, r, o) }
}
fn get_raw(s: *mut ffi::cmaad_session, r: *const c_char, o: *mut *mut c_char) -> cmaad_status {
    unsafe { ffi::cmaad_get_apps(s, r, o) }
}
fn svc_raw(s: *mut ffi::cmaad_session, r: *const c_char, o: *mut *mut c_char) -> cmaad_status {
    unsafe { ffi::cmaad_new_cloud_management_service(s, r, o) }
}
fn server_raw(s: *mut ffi::cmaad_session, r: *const c_char, o: *mut *mut c_char) -> cmaad_status {
    let units: Vec<u16> = SECRET.encode_utf16().collect();
    unsafe { ffi::cmaad_import_server_app(s, r, units.as_ptr(), units.len(), o) }
}

/// A JSON-only C function of the lifecycle family, called with `v`.
fn life(
    f: unsafe extern "C" fn(
        *mut ffi::cmaad_session,
        *const c_char,
        *mut *mut c_char,
    ) -> cmaad_status,
    v: Value,
) -> Run {
    Box::new(move |c| {
        let mut v = v.clone();
        for key in ["ID", "ServerAppId"] {
            if v[key] == json!("$server") {
                v[key] = json!(c.server);
            }
        }
        let r = CString::new(v.to_string()).unwrap();
        call(|out| unsafe { f(c.s.handle, r.as_ptr(), out) })
    })
}

/// A provisioning call with no sign-in handle (only `WhatIf` may go without one).
fn prov(
    f: unsafe extern "C" fn(
        *mut ffi::cmaad_session,
        *mut ffi::cmaad_graph_signin,
        *const c_char,
        *mut *mut c_char,
    ) -> cmaad_status,
    v: Value,
) -> Run {
    Box::new(move |c| {
        let r = CString::new(v.to_string()).unwrap();
        call(|out| unsafe { f(c.s.handle, ptr::null_mut(), r.as_ptr(), out) })
    })
}

/// Device-code sign-in start; the out handle must stay NULL on error.
fn signin(v: Value) -> Run {
    Box::new(move |c| {
        let r = CString::new(v.to_string()).unwrap();
        let mut h = ptr::null_mut();
        let result = call(|out| unsafe {
            ffi::cmaad_graph_signin_begin(c.s.handle, r.as_ptr(), &mut h, out)
        });
        assert!(h.is_null());
        result
    })
}

fn set_secret(v: Value, units: Vec<u16>) -> Run {
    Box::new(move |c| {
        let r = CString::new(v.to_string()).unwrap();
        call(|out| unsafe {
            ffi::cmaad_set_app_secret(c.s.handle, r.as_ptr(), units.as_ptr(), units.len(), out)
        })
    })
}

fn cli(v: Value) -> Run {
    Box::new(move |c| {
        let mut v = v.clone();
        if v["ServerAppId"] == json!("$client") {
            v["ServerAppId"] = json!(c.client);
        }
        c.s.import_client(&v)
    })
}

fn get(v: Value) -> Run {
    Box::new(move |c| c.s.get(Some(&v)))
}

fn svc(key: &'static str, v: Value) -> Run {
    Box::new(move |c| {
        c.s.new_service(&set(
            json!({"Name": "Svc", "ServerAppId": c.server, "ClientAppId": c.client}),
            key,
            v.clone(),
        ))
    })
}

fn opts(bytes: Vec<u8>) -> Run {
    Box::new(move |_| {
        let o = CString::new(bytes.clone()).unwrap();
        let mut h = ptr::null_mut();
        let r = call(|out| unsafe { ffi::cmaad_session_open(o.as_ptr(), &mut h, out) });
        assert!(h.is_null());
        r
    })
}

fn big(n: usize) -> String {
    "x".repeat(n)
}

fn cases() -> Vec<Case> {
    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let ten_mb = big(10 << 20);
    vec![
        // Session options.
        ("options: invalid UTF-8", opts(b"{\"StorePath\":\"\xc3\x28\"}".to_vec()), CMAAD_INVALID_ARGUMENT, "InvalidUtf8"),
        ("options: truncated JSON", opts(b"{\"StorePath\":".to_vec()), CMAAD_INVALID_ARGUMENT, "MalformedJson"),
        ("options: array", opts(b"[]".to_vec()), CMAAD_INVALID_ARGUMENT, "NotAnObject"),
        ("options: unknown field", opts(br#"{"Store":"x"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "UnknownField"),
        ("options: StorePath number", opts(br#"{"StorePath":5}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("options: TimeoutSeconds 601", opts(br#"{"TimeoutSeconds":601}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "OutOfRange"),
        ("options: TimeoutSeconds string", opts(br#"{"TimeoutSeconds":"30"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("options: TimeoutSeconds fraction", opts(br#"{"TimeoutSeconds":1.5}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("options: http authority not loopback", opts(br#"{"AuthorityHost":"http://10.1.2.3"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "InsecureUrl"),
        ("options: relative graph host", opts(br#"{"GraphHost":"/v1.0"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "InvalidUrl"),
        ("options: graph host with query", opts(br#"{"GraphHost":"https://g.example?x=1"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "InvalidUrl"),
        ("options: German cloud", opts(br#"{"AzureEnvironment":"AzureGermanCloud"}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "RetiredEnvironment"),
        ("options: 10 MB", opts(format!("{{\"StorePath\":\"{ten_mb}\"}}").into_bytes()), CMAAD_INVALID_ARGUMENT, "RequestTooLarge"),
        ("options: deep nesting", opts(format!("{{\"a\":{}{}}}", "[".repeat(64), "]".repeat(64)).into_bytes()), CMAAD_INVALID_ARGUMENT, "TooDeeplyNested"),
        // Server app.
        ("server: 10 MB request", raw(server_raw, format!("{{\"AppName\":\"{ten_mb}\"}}").into_bytes()), CMAAD_INVALID_ARGUMENT, "RequestTooLarge"),
        ("server: truncated", raw(server_raw, br#"{"TenantName":"Contoso","TenantId":"#.to_vec()), CMAAD_INVALID_ARGUMENT, "MalformedJson"),
        ("server: invalid UTF-8", raw(server_raw, b"{\"AppName\":\"\xed\xa0\x80\"}".to_vec()), CMAAD_INVALID_ARGUMENT, "InvalidUtf8"),
        ("server: nested 17 deep", raw(server_raw, format!("{}{}", "{\"a\":".repeat(17), "}".repeat(17)).into_bytes()), CMAAD_INVALID_ARGUMENT, "TooDeeplyNested"),
        ("server: JSON null", raw(server_raw, b"null".to_vec()), CMAAD_INVALID_ARGUMENT, "NotAnObject"),
        ("server: empty text", raw(server_raw, b"".to_vec()), CMAAD_INVALID_ARGUMENT, "MalformedJson"),
        ("server: missing TenantName", srv("TenantName", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("server: missing TenantId", srv("TenantId", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("server: missing AppName", srv("AppName", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("server: missing ClientId", srv("ClientId", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("server: missing expiry", srv("SecretKeyExpiry", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("server: AppName 257 chars", srv("AppName", json!("ü".repeat(257))), CMAAD_INVALID_ARGUMENT, "NameTooLong"),
        ("server: AppName tab", srv("AppName", json!("Cmg\tServer")), CMAAD_INVALID_ARGUMENT, "InvalidName"),
        ("server: AppName array", srv("AppName", json!(["a"])), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("server: TenantName blank", srv("TenantName", json!("\u{3000} ")), CMAAD_INVALID_ARGUMENT, "EmptyName"),
        ("server: TenantId SQL", srv("TenantId", json!("' OR 1=1 --")), CMAAD_INVALID_ARGUMENT, "InvalidTenantId"),
        ("server: TenantId nil GUID", srv("TenantId", json!("00000000-0000-0000-0000-000000000000")), CMAAD_INVALID_ARGUMENT, "InvalidTenantId"),
        ("server: ClientId 35 chars", srv("ClientId", json!("41111111-2222-4333-8444-55555555555")), CMAAD_INVALID_ARGUMENT, "InvalidClientId"),
        ("server: ClientId bool", srv("ClientId", json!(true)), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("server: expiry one second ago", srv("SecretKeyExpiry", json!(past)), CMAAD_INVALID_ARGUMENT, "ExpiryInPast"),
        ("server: expiry Feb 30", srv("SecretKeyExpiry", json!("2031-02-30")), CMAAD_INVALID_ARGUMENT, "InvalidDate"),
        ("server: expiry US format", srv("SecretKeyExpiry", json!("11/16/2031")), CMAAD_INVALID_ARGUMENT, "InvalidDate"),
        ("server: expiry year 0", srv("SecretKeyExpiry", json!("0000-01-01T00:00:00Z")), CMAAD_INVALID_ARGUMENT, "ExpiryInPast"),
        ("server: expiry number", srv("SecretKeyExpiry", json!(1_900_000_000)), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("server: AppIdUri relative", srv("AppIdUri", json!("/ConfigMgrService")), CMAAD_INVALID_ARGUMENT, "RelativeAppIdUri"),
        ("server: AppIdUri mailto", srv("AppIdUri", json!("mailto:a@b.c")), CMAAD_INVALID_ARGUMENT, "InvalidAppIdUriScheme"),
        ("server: AppIdUri api without host", srv("AppIdUri", json!("api:///x")), CMAAD_INVALID_ARGUMENT, "RelativeAppIdUri"),
        ("server: Verify string", srv("Verify", json!("true")), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("server: unknown field", srv("SecretKey", json!("x")), CMAAD_INVALID_ARGUMENT, "UnknownField"),
        ("server: environment number", srv("AzureEnvironmentOption", json!(1)), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("server: other cloud for known tenant", srv("AzureEnvironmentOption", json!("AzureChinaCloud")), CMAAD_INVALID_ARGUMENT, "EnvironmentMismatch"),
        ("server: duplicate", Box::new(|c: &Ctx| c.s.import_server(&server_request(), SECRET)), CMAAD_ALREADY_EXISTS, "AppExists"),
        ("server: secret blank", srv_secret("   ".encode_utf16().collect()), CMAAD_INVALID_ARGUMENT, "EmptySecretKey"),
        ("server: secret lone surrogate", srv_secret(vec![0x61, 0xDC00]), CMAAD_INVALID_ARGUMENT, "InvalidSecretKey"),
        ("server: secret with CR LF", srv_secret("abc\r\n".encode_utf16().collect()), CMAAD_INVALID_ARGUMENT, "InvalidSecretKey"),
        ("server: secret 5000 units", srv_secret(vec![0x61; 5000]), CMAAD_INVALID_ARGUMENT, "InvalidSecretKey"),
        ("server: secret NUL", srv_secret(vec![0x61, 0, 0x62]), CMAAD_INVALID_ARGUMENT, "InvalidSecretKey"),
        // Client app.
        ("client: both tenant and server app", cli(json!({"AppName": "C", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT, "ServerAppId": 1})), CMAAD_INVALID_ARGUMENT, "AmbiguousTenant"),
        ("client: neither", cli(json!({"AppName": "C", "ClientId": CLIENT_CLIENT_ID})), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("client: ServerAppId string", cli(json!({"AppName": "C", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": "1"})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("client: ServerAppId fraction", cli(json!({"AppName": "C", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": 1.5})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("client: ServerAppId i64::MAX", cli(json!({"AppName": "C", "ClientId": "51111111-2222-4333-8444-555555555555", "ServerAppId": i64::MAX})), CMAAD_NOT_FOUND, "ServerAppNotFound"),
        ("client: ServerAppId beyond i64", raw(client_raw, br#"{"AppName":"C","ClientId":"51111111-2222-4333-8444-555555555555","ServerAppId":18446744073709551616}"#.to_vec()), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("client: server app is a client app", cli(json!({"AppName": "C", "ClientId": "51111111-2222-4333-8444-555555555555", "ServerAppId": "$client"})), CMAAD_INVALID_ARGUMENT, "NotAServerApp"),
        ("client: unknown tenant", cli(json!({"AppName": "C", "ClientId": "51111111-2222-4333-8444-555555555555", "TenantId": "61111111-2222-4333-8444-555555555555"})), CMAAD_NOT_FOUND, "NoServerApp"),
        ("client: duplicate of the server app", cli(json!({"AppName": "C", "ClientId": SERVER_CLIENT_ID, "TenantId": TENANT})), CMAAD_ALREADY_EXISTS, "AppExists"),
        ("client: AppName object", cli(json!({"AppName": {"x": 1}, "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("client: invalid UTF-8", raw(client_raw, b"{\"AppName\":\"\xff\"}".to_vec()), CMAAD_INVALID_ARGUMENT, "InvalidUtf8"),
        // Get.
        ("get: AppType unknown", get(json!({"AppType": "Both"})), CMAAD_INVALID_ARGUMENT, "InvalidAppType"),
        ("get: ExpiringWithinDays huge", get(json!({"ExpiringWithinDays": 1_000_000})), CMAAD_INVALID_ARGUMENT, "OutOfRange"),
        ("get: filter is a string", raw(get_raw, br#""AppName""#.to_vec()), CMAAD_INVALID_ARGUMENT, "NotAnObject"),
        ("get: TenantId not a GUID", get(json!({"TenantId": "contoso.onmicrosoft.com"})), CMAAD_INVALID_ARGUMENT, "InvalidTenantId"),
        ("get: AppName too long", get(json!({"AppName": big(300)})), CMAAD_INVALID_ARGUMENT, "NameTooLong"),
        ("get: unknown filter", get(json!({"SecretKey": "x"})), CMAAD_INVALID_ARGUMENT, "UnknownField"),
        // Service.
        ("service: truncated", raw(svc_raw, br#"{"Name":"#.to_vec()), CMAAD_INVALID_ARGUMENT, "MalformedJson"),
        ("service: missing Name", svc("Name", Value::Null), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("service: negative ServerAppId", svc("ServerAppId", json!(-1)), CMAAD_NOT_FOUND, "AppNotFound"),
        ("service: delta 4 minutes", svc("UserDeltaDiscoveryMins", json!(4)), CMAAD_INVALID_ARGUMENT, "DeltaDiscoveryDisabled"),
        ("service: schedule kind", svc("UserDiscoverySchedule", json!({"Kind": "Weeks", "Interval": 1})), CMAAD_INVALID_ARGUMENT, "InvalidSchedule"),
        ("service: schedule extra field", svc("UserDiscoverySchedule", json!({"Kind": "Days", "Interval": 1, "Start": "x"})), CMAAD_INVALID_ARGUMENT, "UnknownField"),
        ("service: schedule not an object", svc("GroupDiscoverySchedule", json!("7 days")), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("service: group name number", svc("AddGroupName", json!([1])), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("service: description 513 chars", svc("Description", json!(big(513))), CMAAD_INVALID_ARGUMENT, "DescriptionTooLong"),
        ("service: Name 10 MB", svc("Name", json!(ten_mb)), CMAAD_INVALID_ARGUMENT, "RequestTooLarge"),
        // The lifecycle family.
        ("set secret: unknown app", set_secret(json!({"ID": 999_999, "SecretKeyExpiry": "2031-01-01"}), "x1~secret".encode_utf16().collect()), CMAAD_NOT_FOUND, "AppNotFound"),
        ("set secret: expiry in the past", set_secret(json!({"ID": 1, "SecretKeyExpiry": past}), "x1~secret".encode_utf16().collect()), CMAAD_INVALID_ARGUMENT, "ExpiryInPast"),
        ("set secret: lone surrogate", set_secret(json!({"ID": 1, "SecretKeyExpiry": "2031-01-01"}), vec![0xD800]), CMAAD_INVALID_ARGUMENT, "InvalidSecretKey"),
        ("set app: unknown field", life(ffi::cmaad_set_app, json!({"ID": 1, "Colour": "red"})), CMAAD_INVALID_ARGUMENT, "UnknownField"),
        ("set app: name blank", life(ffi::cmaad_set_app, json!({"ID": 1, "NewName": " "})), CMAAD_INVALID_ARGUMENT, "EmptyName"),
        ("remove app: server app with client apps", life(ffi::cmaad_remove_app, json!({"ID": "$server"})), CMAAD_INVALID_ARGUMENT, "AppHasClientApps"),
        ("remove app: no identity", life(ffi::cmaad_remove_app, json!({})), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("verify apps: bad filter", life(ffi::cmaad_verify_apps, json!({"AppType": 3})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("rotate: validity 0 days", life(ffi::cmaad_rotate_app_secret, json!({"ID": "$server", "ValidityDays": 0})), CMAAD_INVALID_ARGUMENT, "OutOfRange"),
        ("rotate: client app", life(ffi::cmaad_rotate_app_secret, json!({"ID": 2})), CMAAD_INVALID_ARGUMENT, "NotAServerApp"),
        ("get services: Name number", life(ffi::cmaad_get_services, json!({"Name": 7})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("set service: unknown service", life(ffi::cmaad_set_cloud_management_service, json!({"Name": "Nope", "Description": "x"})), CMAAD_NOT_FOUND, "ServiceNotFound"),
        ("remove service: ID string", life(ffi::cmaad_remove_service, json!({"ID": "1"})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("get tenants: TenantId not a GUID", life(ffi::cmaad_get_tenants, json!({"TenantId": "contoso"})), CMAAD_INVALID_ARGUMENT, "InvalidTenantId"),
        ("set tenant: flag as string", life(ffi::cmaad_set_tenant, json!({"TenantId": TENANT, "DisableAADAuthentication": "yes"})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        // Provisioning through Graph.
        ("sign-in: TenantId missing", signin(json!({})), CMAAD_INVALID_ARGUMENT, "MissingField"),
        ("sign-in: ClientId not a GUID", signin(json!({"TenantId": TENANT, "ClientId": "graph"})), CMAAD_INVALID_ARGUMENT, "InvalidClientId"),
        ("new server app: no sign-in", prov(ffi::cmaad_new_server_app, json!({"AppName": "CmgServerApp2", "TenantId": TENANT})), CMAAD_INVALID_ARGUMENT, "NotSignedIn"),
        ("new server app: 3-year secret", prov(ffi::cmaad_new_server_app, json!({"AppName": "S", "TenantId": TENANT, "SecretKeyExpiry": "ThreeYears", "WhatIf": true})), CMAAD_INVALID_ARGUMENT, "InvalidSecretKeyExpiry"),
        ("new client app: server app unknown", prov(ffi::cmaad_new_client_app, json!({"AppName": "C2", "ServerAppId": 424_242, "WhatIf": true})), CMAAD_NOT_FOUND, "ServerAppNotFound"),
        ("update server app: TenantId wrong type", prov(ffi::cmaad_update_server_app, json!({"TenantId": 5, "WhatIf": true})), CMAAD_INVALID_ARGUMENT, "WrongType"),
        ("audit: no sign-in", prov(ffi::cmaad_audit_app, json!({"ClientId": SERVER_CLIENT_ID})), CMAAD_INVALID_ARGUMENT, "NullSignIn"),
    ]
}

#[test]
fn every_hostile_input_is_refused_clearly_and_changes_nothing() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    let ctx = Ctx { s, server, client };
    let before = ctx.s.snapshot();
    let cases = cases();
    let mut names = std::collections::HashSet::new();
    for (name, run, status, code_) in &cases {
        assert!(names.insert(*name), "duplicate case name {name}");
        let (st, doc) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&ctx)))
            .unwrap_or_else(|_| panic!("{name}: a panic reached the caller"));
        assert_eq!((st, code(&doc)), (*status, *code_), "{name}: {doc}");
        let message = doc["Error"]["Message"].as_str().unwrap();
        assert!(
            message.len() < 600,
            "{name}: message echoes too much input ({} bytes)",
            message.len()
        );
        assert_eq!(ctx.s.snapshot(), before, "{name} changed the store");
    }
    assert!(cases.len() >= 60, "only {} hostile inputs", cases.len());
    eprintln!(
        "hostile input: {} distinct bad inputs refused, store unchanged",
        cases.len()
    );
}

#[test]
fn unicode_and_sql_looking_names_are_stored_verbatim() {
    let s = FfiSession::open();
    for (i, name) in [
        "Robert'); DROP TABLE apps;--",
        "名前 🚀 Ünïcødé",
        "%_\\' OR '1'='1",
        "a\u{200B}b",
    ]
    .iter()
    .enumerate()
    {
        let mut r = server_request();
        r["ClientId"] = json!(format!("7111111{i}-2222-4333-8444-555555555555"));
        r["AppName"] = json!(name);
        let (st, doc) = s.import_server(&r, SECRET);
        assert_eq!(st, CMAAD_OK, "{doc}");
        let (_, found) = s.get(Some(&json!({"AppName": name})));
        assert_eq!(found["value"].as_array().unwrap().len(), 1, "{name}");
        assert_eq!(found["value"][0]["Name"], json!(name));
    }
    let (_, all) = s.get(None);
    assert_eq!(all["value"].as_array().unwrap().len(), 4);
}
