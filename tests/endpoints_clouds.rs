//! Every Graph token is asked for the Graph that is called: a US Government DoD session
//! (`GraphHost https://dod-graph.microsoft.us`, what the README recommends for DoD) asks for
//! `https://dod-graph.microsoft.us/...` scopes in the client-credentials and device code
//! sign-ins, in server and client verification and in rotation, never for
//! `https://graph.microsoft.us`, which DoD's Graph refuses (invalid audience). Only the local
//! fake (the authority) is contacted: no test here reaches the DoD host.

mod common;
mod provision_support;

use cmaad::ffi::{self, cmaad_status::*};
use cmaad_fake_entra::{App, Endpoint, FakeEntra, Fault, FaultKind, Tenant};
use common::{call, FfiSession};
use provision_support::{
    begin, directory, sign_in_app, AUTOMATION, AUTOMATION_SECRET, PUBLIC_CLIENT, TENANT,
};
use serde_json::json;
use std::ffi::CString;

const DOD_GRAPH: &str = "https://dod-graph.microsoft.us";
const SERVER: &str = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
const CLIENT: &str = "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60";
const SERVER_SECRET: &str = "Serv3r~Secret.Value_456";

/// A US Government session whose Graph is DoD's; Entra is the local fake.
fn dod_session(fake: &FakeEntra) -> FfiSession {
    FfiSession::open_with(json!({
        "AzureEnvironment": "AzureUSGovernmentCloud",
        "AuthorityHost": fake.base_url(),
        "GraphHost": DOD_GRAPH,
        "TimeoutSeconds": 5,
    }))
}

/// The fake's directory plus a server app (no Graph permissions, so verification never calls
/// Graph) and a client app.
fn fake() -> FakeEntra {
    let mut config = directory();
    let tenant: &mut Tenant = &mut config.tenants[0];
    tenant
        .applications
        .push(App::new(SERVER, "CmgServerApp").secret(SERVER_SECRET));
    tenant
        .applications
        .push(App::new(CLIENT, "CmgClientApp").public_client(true));
    FakeEntra::start(config)
}

/// The `scope` of every request to `endpoint`, in order.
fn scopes(fake: &FakeEntra, endpoint: Endpoint) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.endpoint == endpoint)
        .filter_map(|r| r.form_field("scope").map(str::to_string))
        .collect()
}

#[test]
fn client_credentials_sign_in_asks_for_dod_graph() {
    let fake = fake();
    let s = dod_session(&fake);
    let (status, doc, _signin) = sign_in_app(&s, AUTOMATION, AUTOMATION_SECRET);
    assert_eq!(status, CMAAD_OK, "{doc}");
    assert_eq!(
        scopes(&fake, Endpoint::Token),
        vec![format!("{DOD_GRAPH}/.default")]
    );
}

#[test]
fn device_code_sign_in_asks_for_dod_graph() {
    let fake = fake();
    let s = dod_session(&fake);
    let (status, doc, _signin) = begin(
        &s,
        &json!({ "TenantId": TENANT, "ClientId": PUBLIC_CLIENT }),
    );
    assert_eq!(status, CMAAD_OK, "{doc}");
    let asked = scopes(&fake, Endpoint::DeviceCode);
    assert_eq!(asked.len(), 1);
    for scope in asked[0].split_whitespace() {
        assert!(scope.starts_with(&format!("{DOD_GRAPH}/")), "{scope}");
    }
}

#[test]
fn verification_asks_for_dod_graph() {
    let fake = fake();
    let s = dod_session(&fake);
    let mut server = common::server_request();
    server["ClientId"] = json!(SERVER);
    server["Verify"] = json!(true);
    server.as_object_mut().unwrap().remove("AppIdUri");
    let (status, doc) = s.import_server(&server, SERVER_SECRET);
    assert_eq!(status, CMAAD_OK, "{doc}");
    assert_eq!(doc["AzureEnvironment"], "AzureUSGovernmentCloud");
    let (status, doc) = s.import_client(&json!({
        "AppName": "CmgClientApp", "ClientId": CLIENT, "ServerAppId": doc["ID"], "Verify": true,
    }));
    assert_eq!(status, CMAAD_OK, "{doc}");
    // One token serves both: the client check reuses the server check's cached Graph token,
    // which is only possible because both asked for the same (DoD) audience.
    assert_eq!(
        scopes(&fake, Endpoint::Token),
        vec![format!("{DOD_GRAPH}/.default")]
    );
}

#[test]
fn rotation_asks_for_dod_graph() {
    let fake = fake();
    let s = dod_session(&fake);
    let mut server = common::server_request();
    server["ClientId"] = json!(SERVER);
    let (status, doc) = s.import_server(&server, SERVER_SECRET);
    assert_eq!(status, CMAAD_OK, "{doc}");
    // Entra refuses the token, so rotation stops before it would call DoD's Graph.
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Aadsts(7000215)));
    let request = CString::new(json!({ "ID": doc["ID"] }).to_string()).unwrap();
    let (status, doc) =
        call(|out| unsafe { ffi::cmaad_rotate_app_secret(s.handle, request.as_ptr(), out) });
    assert_eq!(status, CMAAD_VERIFICATION_FAILED, "{doc}");
    assert_eq!(doc["Error"]["Details"]["Step"], "GraphToken");
    assert_eq!(
        scopes(&fake, Endpoint::Token),
        vec![format!("{DOD_GRAPH}/.default")]
    );
}
