//! Creating, updating and auditing the CMG's registrations through the C ABI against the local
//! Graph fake: each setting as the fake recorded it, consent and its absence, rollback after a
//! failure at each step, throttling, replication lag, WhatIf, and the audit's verdicts.

mod common;
mod provision_support;

use cmaad::ffi::cmaad_status;
use cmaad_fake_entra::{
    App, FakeEntra, FaultKind, GraphOp, DIRECTORY_READ_ALL_ROLE, GRAPH_APP_ID, USER_READ_SCOPE,
};
use provision_support::*;
use serde_json::{json, Value};

fn server_request() -> Value {
    json!({ "AppName": "CmgServerApp", "TenantName": "Contoso", "SecretKeyExpiry": "TwoYears", "EnableUserDiscovery": true })
}

/// Creates the server app; returns its document.
fn create_server(fake: &FakeEntra, s: &common::FfiSession, signin: &SignIn) -> Value {
    let (status, doc) = new_server(s, Some(signin), &server_request());
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let _ = fake;
    doc
}

fn body_of(fake: &FakeEntra, method: &str, path_start: &str, nth: usize) -> Value {
    fake.graph_writes()
        .into_iter()
        .filter(|w| w.method == method && w.path.starts_with(path_start))
        .nth(nth)
        .map(|w| w.body)
        .unwrap_or(Value::Null)
}

#[test]
fn server_app_has_every_setting_of_seed_003() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let doc = create_server(&fake, &s, &signin);
    let uri = format!("api://{TENANT}/CmgServerApp");
    let body = body_of(&fake, "POST", "applications", 0);
    assert_eq!(body["displayName"], "CmgServerApp");
    assert_eq!(body["signInAudience"], "AzureADMyOrg");
    assert_eq!(body["identifierUris"], json!([uri]));
    assert_eq!(
        body["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert_eq!(
        body["publicClient"]["redirectUris"],
        json!(["http://localhost"])
    );
    let scope = &body["api"]["oauth2PermissionScopes"][0];
    assert_eq!(
        (
            scope["value"].as_str(),
            scope["type"].as_str(),
            scope["isEnabled"].as_bool()
        ),
        (Some("user_impersonation"), Some("User"), Some(true))
    );
    for k in [
        "adminConsentDisplayName",
        "adminConsentDescription",
        "userConsentDisplayName",
        "userConsentDescription",
    ] {
        assert!(
            scope[k]
                .as_str()
                .is_some_and(|t| t.contains("CmgServerApp")),
            "{k}: {scope}"
        );
    }
    assert_eq!(
        body["requiredResourceAccess"],
        json!([{ "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": DIRECTORY_READ_ALL_ROLE, "type": "Role" }] }])
    );

    let app_id = doc["ClientID"].as_str().unwrap();
    let created = apps(&fake)
        .into_iter()
        .find(|a| a.app_id == app_id)
        .expect("created in the fake");
    assert_eq!(created.secrets.len(), 1, "one client secret");
    let days = (created.secrets[0].end_date_time - chrono::Utc::now()).num_days();
    assert!((728..=730).contains(&days), "TwoYears: {days}");
    let sp = fake
        .service_principals()
        .into_iter()
        .find(|sp| sp.app_id == app_id)
        .expect("service principal");
    let graph_sp = fake.graph_service_principal_id(TENANT);
    assert!(fake
        .app_role_assignments()
        .iter()
        .any(|a| a.principal_id == sp.id
            && a.resource_id == graph_sp
            && a.app_role_id == DIRECTORY_READ_ALL_ROLE));

    assert_eq!(doc["AppType"], "ServerApplication");
    assert_eq!(doc["IdentifierUri"], uri);
    assert_eq!(
        doc["DaysUntilSecretExpiry"].as_i64().map(|d| d >= 728),
        Some(true),
        "{doc}"
    );
    assert_eq!(doc["SecretKeyId"], json!(created.secrets[0].key_id));
    assert_eq!(
        doc["Registration"]["AdminConsent"][0]["Granted"], true,
        "{doc}"
    );
    // The stored secret is the one Graph issued: it verifies against the token endpoint.
    let (status, v) = common::call(|out| unsafe {
        cmaad::ffi::cmaad_verify_apps(
            s.handle,
            std::ffi::CString::new(json!({"ClientId": app_id}).to_string())
                .unwrap()
                .as_ptr(),
            out,
        )
    });
    assert_eq!(status, cmaad_status::CMAAD_OK, "{v}");
    assert_eq!(v["Summary"]["Verified"], 1, "{v}");
    assert!(
        !v.to_string().contains(&created.secrets[0].value)
            && !doc.to_string().contains(&created.secrets[0].value)
    );
}

#[test]
fn client_app_has_every_setting_and_consent() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let server = create_server(&fake, &s, &signin);
    let (status, doc) = new_client(
        &s,
        Some(&signin),
        &json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] }),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let server_app_id = server["ClientID"].as_str().unwrap();
    let scope_id = server["Registration"]["UserImpersonationScopeId"]
        .as_str()
        .unwrap();
    let body = body_of(&fake, "POST", "applications", 1);
    assert_eq!(body["signInAudience"], "AzureADMyOrg");
    assert_eq!(body["isFallbackPublicClient"], true);
    assert_eq!(
        body["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert_eq!(
        body["requiredResourceAccess"][0],
        json!({ "resourceAppId": server_app_id, "resourceAccess": [{ "id": scope_id, "type": "Scope" }] })
    );
    assert_eq!(
        body["requiredResourceAccess"][1]["resourceAccess"][0]["id"],
        USER_READ_SCOPE
    );
    let app_id = doc["ClientID"].as_str().unwrap();
    let patch = body_of(&fake, "PATCH", "applications/", 0);
    assert_eq!(
        patch,
        json!({ "publicClient": { "redirectUris": [format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{app_id}")] } })
    );
    let created = apps(&fake)
        .into_iter()
        .find(|a| a.app_id == app_id)
        .unwrap();
    assert!(created.is_fallback_public_client && created.enable_id_token_issuance);
    let sps = fake.service_principals();
    let sp_of = |id: &str| {
        sps.iter()
            .find(|sp| sp.app_id == id)
            .map(|sp| sp.id.clone())
            .unwrap()
    };
    let grants = fake.permission_grants();
    assert!(
        grants.iter().any(|g| g.client_id == sp_of(app_id)
            && g.resource_id == sp_of(server_app_id)
            && g.consent_type == "AllPrincipals"
            && g.scope == "user_impersonation"),
        "{grants:?}"
    );
    assert!(grants
        .iter()
        .any(|g| g.resource_id == sp_of(GRAPH_APP_ID) && g.scope == "User.Read"));
    assert_eq!(doc["AppType"], "ClientApplication");
    assert_eq!(doc["ServerAppID"], server["ID"]);
}

#[test]
fn without_permission_to_consent_a_note_says_what_an_admin_must_grant() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let (status, _, signin) = sign_in_app(&s, CREATOR_ONLY, AUTOMATION_SECRET);
    assert_eq!(status, cmaad_status::CMAAD_OK);
    let (status, server) = new_server(&s, Some(&signin), &server_request());
    assert_eq!(status, cmaad_status::CMAAD_OK, "{server}");
    let consent = &server["Registration"]["AdminConsent"][0];
    assert_eq!(consent["Granted"], false);
    assert!(
        consent["Note"]
            .as_str()
            .unwrap()
            .contains("Grant admin consent"),
        "{consent}"
    );
    assert!(server["Warnings"].as_array().is_some_and(|w| !w.is_empty()));
    fake.deny_consent(true);
    let s2 = admin(&s);
    let (status, client) = new_client(
        &s,
        Some(&s2),
        &json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] }),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");
    assert_eq!(
        client["Registration"]["AdminConsent"][0]["Granted"], false,
        "{client}"
    );
    assert!(fake.permission_grants().is_empty() && fake.app_role_assignments().is_empty());
}

fn fail(op: GraphOp) -> FaultKind {
    let _ = op;
    FaultKind::Status {
        status: 400,
        retry_after_secs: None,
    }
}

#[test]
fn a_failure_at_each_step_rolls_everything_back() {
    for op in [
        GraphOp::CreateApplication,
        GraphOp::AddPassword,
        GraphOp::CreateServicePrincipal,
        GraphOp::AssignAppRole,
    ] {
        let fake = FakeEntra::start(directory());
        let s = session(&fake);
        let signin = admin(&s);
        let before = apps(&fake).len();
        fake.add_graph_write_fault(op, fail(op), 1);
        let (status, doc) = new_server(&s, Some(&signin), &server_request());
        assert_ne!(status, cmaad_status::CMAAD_OK, "{op:?}: {doc}");
        assert_eq!(apps(&fake).len(), before, "{op:?}: nothing left in Entra");
        assert!(
            fake.service_principals()
                .iter()
                .all(|sp| sp.app_id == GRAPH_APP_ID),
            "{op:?}"
        );
        assert!(fake.app_role_assignments().is_empty(), "{op:?}");
        if op != GraphOp::CreateApplication {
            assert_eq!(doc["Error"]["Details"]["RolledBack"], true, "{op:?}: {doc}");
        }
        assert_eq!(s.snapshot()["value"], json!([]), "{op:?}: nothing imported");
    }
    for op in [
        GraphOp::UpdateApplication,
        GraphOp::CreateServicePrincipal,
        GraphOp::GrantDelegated,
    ] {
        let fake = FakeEntra::start(directory());
        let s = session(&fake);
        let signin = admin(&s);
        let server = create_server(&fake, &s, &signin);
        let before = (apps(&fake).len(), fake.service_principals().len());
        fake.add_graph_write_fault(op, fail(op), 1);
        let (status, doc) = new_client(
            &s,
            Some(&signin),
            &json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] }),
        );
        assert_ne!(status, cmaad_status::CMAAD_OK, "{op:?}: {doc}");
        assert_eq!(doc["Error"]["Details"]["RolledBack"], true, "{op:?}: {doc}");
        assert_eq!(
            (apps(&fake).len(), fake.service_principals().len()),
            before,
            "{op:?}"
        );
        assert!(fake.permission_grants().is_empty(), "{op:?}");
        assert_eq!(
            s.snapshot()["value"].as_array().unwrap().len(),
            1,
            "{op:?}: only the server app"
        );
    }
}

#[test]
fn a_failed_rollback_reports_what_still_exists() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    fake.add_graph_write_fault(
        GraphOp::CreateServicePrincipal,
        fail(GraphOp::CreateServicePrincipal),
        1,
    );
    fake.add_graph_write_fault(
        GraphOp::DeleteApplication,
        FaultKind::Status {
            status: 400,
            retry_after_secs: None,
        },
        5,
    );
    let (status, doc) = new_server(&s, Some(&signin), &server_request());
    assert_ne!(status, cmaad_status::CMAAD_OK);
    let details = &doc["Error"]["Details"];
    assert_eq!(details["RolledBack"], false, "{doc}");
    let left = apps(&fake)
        .into_iter()
        .find(|a| a.display_name == "CmgServerApp")
        .expect("still in Entra");
    assert_eq!(details["Remaining"][0]["ObjectId"], json!(left.id), "{doc}");
    assert!(doc["Error"]["Message"].as_str().unwrap().contains(&left.id));
    assert_eq!(s.snapshot()["value"], json!([]));
}

#[test]
fn throttling_and_replication_lag_are_waited_out() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    fake.set_replication_lag(2);
    fake.add_graph_write_fault(
        GraphOp::CreateApplication,
        FaultKind::Throttle {
            retry_after_secs: 1,
        },
        1,
    );
    fake.add_fault(
        cmaad_fake_entra::Fault::on(
            cmaad_fake_entra::Endpoint::Graph,
            FaultKind::Throttle {
                retry_after_secs: 1,
            },
        )
        .times(1),
    );
    let server = create_server(&fake, &s, &signin);
    let (status, client) = new_client(
        &s,
        Some(&signin),
        &json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] }),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{client}");
    assert_eq!(apps(&fake).len(), 5);
}

#[test]
fn app_id_uri_in_use_is_refused_before_anything_is_created() {
    let fake = FakeEntra::start(directory());
    fake.update(|c| {
        c.tenants[0].applications.push(
            App::new("c0c0c0c0-1111-4222-8333-944455556666", "Other")
                .identifier_uri(&format!("api://{TENANT}/CmgServerApp")),
        )
    });
    let s = session(&fake);
    let signin = admin(&s);
    let (status, doc) = new_server(&s, Some(&signin), &server_request());
    assert_eq!(status, cmaad_status::CMAAD_ALREADY_EXISTS, "{doc}");
    assert_eq!(common::code(&doc), "AppIdUriInUse");
    assert!(fake.graph_writes().is_empty());
}

#[test]
fn what_if_shows_the_registration_without_calling_graph() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let mut req = server_request();
    req["WhatIf"] = json!(true);
    req["TenantId"] = json!(TENANT);
    let (status, doc) = new_server(&s, None, &req);
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(doc["WhatIf"], true);
    assert_eq!(doc["Application"]["signInAudience"], "AzureADMyOrg");
    assert_eq!(
        doc["Application"]["identifierUris"][0],
        format!("api://{TENANT}/CmgServerApp")
    );
    assert!(fake.requests().is_empty(), "nothing was sent");
    assert_eq!(s.snapshot()["value"], json!([]));
    let (status, doc) = new_server(&s, None, &server_request());
    assert_eq!(status, cmaad_status::CMAAD_INVALID_ARGUMENT);
    assert_eq!(common::code(&doc), "NotSignedIn");
}

#[test]
fn audit_passes_created_apps_and_fails_a_misconfigured_one() {
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let server = create_server(&fake, &s, &signin);
    let (_, client) = new_client(
        &s,
        Some(&signin),
        &json!({ "AppName": "CmgClientApp", "ServerAppId": server["ID"] }),
    );
    let (status, doc) = audit(&s, &signin, &json!({ "ClientId": server["ClientID"] }));
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(
        (doc["AppType"].as_str(), doc["Passed"].as_bool()),
        (Some("ServerApplication"), Some(true)),
        "{doc}"
    );
    for check in [
        "SignInAudience",
        "IdTokenIssuance",
        "AppIdUri",
        "UserImpersonationScope",
        "LocalhostRedirectUri",
        "ClientSecret",
        "DirectoryReadAll",
        "ServicePrincipal",
    ] {
        assert_eq!(outcome(&doc, check), "Passed", "{check}: {doc}");
    }
    let (_, doc) = audit(&s, &signin, &json!({ "ClientId": client["ClientID"] }));
    assert_eq!(doc["Passed"], true, "{doc}");
    for check in [
        "BrokerRedirectUri",
        "PublicClientFlows",
        "UserImpersonation",
        "AdminConsent",
        "ServicePrincipal",
    ] {
        assert_eq!(outcome(&doc, check), "Passed", "{check}: {doc}");
    }

    let bad = "d0d0d0d0-1111-4222-8333-944455556666";
    fake.update(|c| {
        let mut app = App::new(bad, "HandMade").identifier_uri("https://ConfigMgrService");
        app.sign_in_audience = "AzureADandPersonalMicrosoftAccount".into();
        c.tenants[0]
            .applications
            .push(app.user_impersonation_scope());
    });
    let (status, doc) = audit(&s, &signin, &json!({ "ClientId": bad }));
    assert_eq!(status, cmaad_status::CMAAD_OK);
    assert_eq!(doc["Passed"], false);
    for check in [
        "SignInAudience",
        "IdTokenIssuance",
        "AppIdUri",
        "LocalhostRedirectUri",
        "ClientSecret",
        "ServicePrincipal",
    ] {
        assert_eq!(outcome(&doc, check), "Failed", "{check}: {doc}");
    }
    let fixes: Vec<&Value> = doc["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["Outcome"] == "Failed")
        .map(|c| &c["Fix"])
        .collect();
    assert!(
        fixes
            .iter()
            .all(|f| f.as_str().is_some_and(|t| t.len() > 20)),
        "{doc}"
    );
    let (_, doc) = audit(
        &s,
        &signin,
        &json!({ "ClientId": bad, "AppType": "ClientApplication" }),
    );
    assert_eq!(outcome(&doc, "PublicClientFlows"), "Failed");
    assert_eq!(outcome(&doc, "BrokerRedirectUri"), "Failed");
}

#[test]
fn update_server_app_adds_localhost_once() {
    let fake = FakeEntra::start(directory());
    let old = "e0e0e0e0-1111-4222-8333-944455556666";
    fake.update(|c| {
        c.tenants[0].applications.push(
            App::new(old, "OldServer")
                .identifier_uri(&format!("api://{TENANT}/Old"))
                .secret("old-secret-value-123")
                .user_impersonation_scope(),
        )
    });
    let s = session(&fake);
    let mut req = common::server_request();
    req["ClientId"] = json!(old);
    req["AppName"] = json!("OldServer");
    let (status, doc) = s.import_server(&req, "old-secret-value-123");
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    let signin = admin(&s);
    let (status, doc) = update_server(
        &s,
        Some(&signin),
        &json!({ "TenantId": TENANT, "WhatIf": true }),
    );
    assert_eq!(status, cmaad_status::CMAAD_OK, "{doc}");
    assert_eq!(
        (
            doc["value"][0]["WouldChange"].as_bool(),
            doc["value"][0]["Changed"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let (_, doc) = update_server(&s, Some(&signin), &json!({ "TenantId": TENANT }));
    assert_eq!(doc["value"][0]["Changed"], true, "{doc}");
    let app = apps(&fake).into_iter().find(|a| a.app_id == old).unwrap();
    assert_eq!(app.public_client_redirect_uris, vec!["http://localhost"]);
    let (_, doc) = update_server(&s, Some(&signin), &json!({ "TenantId": TENANT }));
    assert_eq!(doc["value"][0]["Changed"], false, "{doc}");
}
