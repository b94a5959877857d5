//! Shared fixtures for the `provision_*` tests: a tenant with an automation app and a public
//! client for the local Entra/Graph fake, and C-ABI callers for the sign-in and creation calls.

#![allow(dead_code)]

use crate::common::{call, FfiSession};
use cmaad::ffi::{self, cmaad_graph_signin, cmaad_status};
use cmaad_fake_entra::{App, Config, FakeEntra, Tenant};
use serde_json::{json, Value};
use std::ffi::CString;
use std::ptr;

pub const TENANT: &str = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
/// Microsoft Graph PowerShell's public client, the library's default for device code.
pub const PUBLIC_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// An automation app allowed to create apps and grant consent.
pub const AUTOMATION: &str = "a1b2c3d4-1111-4222-8333-944455556666";
/// An automation app allowed to create apps only.
pub const CREATOR_ONLY: &str = "b1b2c3d4-1111-4222-8333-944455556667";
pub const AUTOMATION_SECRET: &str = "Aut0~mation.Secret-Value_123";

/// The tenant: both automation apps and the public client, 1 s device-code interval.
pub fn directory() -> Config {
    Config::new().device_code_interval_secs(1).tenant(
        Tenant::new(TENANT)
            .domain("contoso.onmicrosoft.com")
            .app(App::new(PUBLIC_CLIENT, "Microsoft Graph Command Line Tools").public_client(true))
            .app(
                App::new(AUTOMATION, "CMAAD automation")
                    .secret(AUTOMATION_SECRET)
                    .graph_roles(&[
                        "Application.ReadWrite.All",
                        "AppRoleAssignment.ReadWrite.All",
                        "DelegatedPermissionGrant.ReadWrite.All",
                    ]),
            )
            .app(
                App::new(CREATOR_ONLY, "CMAAD creator")
                    .secret(AUTOMATION_SECRET)
                    .graph_roles(&["Application.ReadWrite.All"]),
            ),
    )
}

/// A session pointed at `fake`.
pub fn session(fake: &FakeEntra) -> FfiSession {
    FfiSession::open_with(
        json!({ "AuthorityHost": fake.base_url(), "GraphHost": fake.base_url(), "TimeoutSeconds": 5 }),
    )
}

/// An owned sign-in handle, freed on drop.
pub struct SignIn(pub *mut cmaad_graph_signin);

impl Drop for SignIn {
    fn drop(&mut self) {
        unsafe { ffi::cmaad_graph_signin_free(self.0) };
    }
}

unsafe impl Send for SignIn {}
unsafe impl Sync for SignIn {}

/// Client-credentials sign-in as `client_id`.
pub fn sign_in_app(s: &FfiSession, client_id: &str, secret: &str) -> (cmaad_status, Value, SignIn) {
    let req =
        CString::new(json!({ "TenantId": TENANT, "ClientId": client_id }).to_string()).unwrap();
    let units: Vec<u16> = secret.encode_utf16().collect();
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_graph_signin_client_credentials(
            s.handle,
            req.as_ptr(),
            units.as_ptr(),
            units.len(),
            &mut handle,
            out,
        )
    });
    (status, doc, SignIn(handle))
}

/// The standard automation sign-in, asserted to work.
pub fn admin(s: &FfiSession) -> SignIn {
    let (status, doc, signin) = sign_in_app(s, AUTOMATION, AUTOMATION_SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    signin
}

/// Device code phase one.
pub fn begin(s: &FfiSession, req: &Value) -> (cmaad_status, Value, SignIn) {
    let r = CString::new(req.to_string()).unwrap();
    let mut handle = ptr::null_mut();
    let (status, doc) = call(|out| unsafe {
        ffi::cmaad_graph_signin_begin(s.handle, r.as_ptr(), &mut handle, out)
    });
    (status, doc, SignIn(handle))
}

/// Device code phase two.
pub fn complete(s: &FfiSession, signin: &SignIn, req: Option<&Value>) -> (cmaad_status, Value) {
    let r = req.map(|r| CString::new(r.to_string()).unwrap());
    call(|out| unsafe {
        ffi::cmaad_graph_signin_complete(
            s.handle,
            signin.0,
            r.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            out,
        )
    })
}

type Op = unsafe extern "C" fn(
    *mut cmaad::ffi::cmaad_session,
    *mut cmaad_graph_signin,
    *const std::ffi::c_char,
    *mut *mut std::ffi::c_char,
) -> cmaad_status;

fn op(f: Op, s: &FfiSession, signin: Option<&SignIn>, req: &Value) -> (cmaad_status, Value) {
    let r = CString::new(req.to_string()).unwrap();
    call(|out| unsafe {
        f(
            s.handle,
            signin.map_or(ptr::null_mut(), |x| x.0),
            r.as_ptr(),
            out,
        )
    })
}

pub fn new_server(s: &FfiSession, signin: Option<&SignIn>, req: &Value) -> (cmaad_status, Value) {
    op(ffi::cmaad_new_server_app, s, signin, req)
}

pub fn new_client(s: &FfiSession, signin: Option<&SignIn>, req: &Value) -> (cmaad_status, Value) {
    op(ffi::cmaad_new_client_app, s, signin, req)
}

pub fn update_server(
    s: &FfiSession,
    signin: Option<&SignIn>,
    req: &Value,
) -> (cmaad_status, Value) {
    op(ffi::cmaad_update_server_app, s, signin, req)
}

pub fn audit(s: &FfiSession, signin: &SignIn, req: &Value) -> (cmaad_status, Value) {
    op(ffi::cmaad_audit_app, s, Some(signin), req)
}

/// The outcome of check `name` in an audit document.
pub fn outcome(doc: &Value, name: &str) -> String {
    doc["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == name)
        .map(|c| c["Outcome"].as_str().unwrap().to_string())
        .unwrap_or_else(|| format!("no check {name}"))
}

/// The apps of the tenant in the fake.
pub fn apps(fake: &FakeEntra) -> Vec<App> {
    fake.snapshot()
        .tenants
        .into_iter()
        .find(|t| t.id == TENANT)
        .unwrap()
        .applications
}
