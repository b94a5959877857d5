//! The four operations end to end through the C ABI, with ConfigMgr's rules and the contract's
//! identity rules.

mod common;

use cmaad::ffi::cmaad_status::*;
use common::*;
use serde_json::json;

#[test]
fn whole_flow_open_import_get_service() {
    let s = FfiSession::open();
    let (st, server) = s.import_server(&server_request(), SECRET);
    assert_eq!(st, CMAAD_OK, "{server}");
    assert_eq!(server["Name"], "CmgServerApp");
    assert_eq!(server["TenantID"], TENANT);
    assert_eq!(server["ClientID"], SERVER_CLIENT_ID);
    assert_eq!(server["AppType"], "ServerApplication");
    assert_eq!(server["IsClientApp"], false);
    assert_eq!(server["AzureEnvironment"], "AzurePublicCloud");
    assert!(matches!(
        server["DaysUntilSecretExpiry"].as_i64(),
        Some(364 | 365)
    ));
    assert_eq!(
        server["IdentifierUri"],
        format!("api://{TENANT}/ConfigMgrService")
    );
    assert!(server["LastVerified"].is_null());

    let (st, client) = s.import_client(&json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "ServerAppId": server["ID"]}));
    assert_eq!(st, CMAAD_OK, "{client}");
    assert_eq!(client["TenantName"], "Contoso");
    assert_eq!(client["IsClientApp"], true);
    assert!(client.get("IdentifierUri").is_none() && client.get("SecretKeyExpiry").is_none());

    let (_, all) = s.get(None);
    assert_eq!(all["value"].as_array().unwrap().len(), 2);
    let (_, servers) = s.get(Some(
        &json!({"TenantName": "contoso", "AppType": "ServerApplication"}),
    ));
    assert_eq!(servers["value"].as_array().unwrap().len(), 1);
    assert_eq!(servers["value"][0]["ID"], server["ID"]);
    let (_, by_name) = s.get(Some(
        &json!({"AppName": "CmgClientApp", "TenantId": TENANT}),
    ));
    assert_eq!(by_name["value"][0]["ID"], client["ID"]);
    let (st, none) = s.get(Some(
        &json!({"AppName": "CmgClientApp", "AppType": "ServerApplication"}),
    ));
    assert_eq!(
        (st, none["value"].as_array().unwrap().len()),
        (CMAAD_OK, 0),
        "AND of filters, no match is empty"
    );

    let (st, svc) = s.new_service(&json!({
        "Name": "Contoso", "Description": "Azure Service", "ServerAppId": server["ID"], "ClientAppId": client["ID"],
        "AzureEnvironmentOption": "AzurePublicCloud", "EnableUserDiscovery": true, "EnableUserDeltaDiscovery": true,
        "UserDeltaDiscoveryMins": 15, "UserDiscoverySchedule": {"Kind": "Days", "Interval": 7}
    }));
    assert_eq!(st, CMAAD_OK, "{svc}");
    assert_eq!(svc["ServiceType"], "CloudManagement");
    assert_eq!(svc["TenantID"], TENANT);
    assert_eq!(svc["ServerAppID"], server["ID"]);
    assert_eq!(svc["ClientAppID"], client["ID"]);
    assert_eq!(svc["UserDeltaDiscoveryMins"], 15);
    assert_eq!(
        svc["UserDiscoverySchedule"],
        json!({"Kind": "Days", "Interval": 7})
    );
    assert_eq!(svc["EnableGroupDiscovery"], false);
}

#[test]
fn client_app_by_tenant_id_and_expiry_filter() {
    let s = FfiSession::open();
    let (_, server) = s.import_server(&server_request(), SECRET);
    let (st, client) = s.import_client(&json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT.to_uppercase()}));
    assert_eq!(st, CMAAD_OK, "{client}");
    assert_eq!(client["ServerAppID"], server["ID"]);
    let (_, soon) = s.get(Some(&json!({"ExpiringWithinDays": 30})));
    assert_eq!(soon["value"].as_array().unwrap().len(), 0);
    let (_, year) = s.get(Some(&json!({"ExpiringWithinDays": 366})));
    assert_eq!(year["value"].as_array().unwrap().len(), 1);
}

#[test]
fn identity_rules() {
    let s = FfiSession::open();
    let (server_id, client_id) = s.seed();

    // Same client ID twice (either app type) is AlreadyExists with the existing ID.
    let (st, doc) = s.import_server(&server_request(), SECRET);
    assert_eq!((st, code(&doc)), (CMAAD_ALREADY_EXISTS, "AppExists"));
    assert_eq!(doc["Error"]["ID"], server_id);
    let (st, doc) = s.import_client(
        &json!({"AppName": "Other", "ClientId": SERVER_CLIENT_ID, "TenantId": TENANT}),
    );
    assert_eq!(
        (st, doc["Error"]["ID"].as_i64()),
        (CMAAD_ALREADY_EXISTS, Some(server_id))
    );

    // A known tenant GUID under another name.
    let mut other = server_request();
    other["TenantName"] = json!("Fabrikam");
    other["ClientId"] = json!("11111111-2222-4333-8444-555555555555");
    let (st, doc) = s.import_server(&other, SECRET);
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "TenantNameMismatch", "TenantName")
    );

    // Client app for a tenant with no server app.
    let (st, doc) = s.import_client(&json!({"AppName": "C", "ClientId": "21111111-2222-4333-8444-555555555555", "TenantId": "99999999-2222-4333-8444-555555555555"}));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_NOT_FOUND, "NoServerApp", "TenantId")
    );
    // Client app by a "server app" that is a client app.
    let (st, doc) = s.import_client(&json!({"AppName": "C", "ClientId": "21111111-2222-4333-8444-555555555555", "ServerAppId": client_id}));
    assert_eq!((st, code(&doc)), (CMAAD_INVALID_ARGUMENT, "NotAServerApp"));
    let (st, doc) = s.import_client(&json!({"AppName": "C", "ClientId": "21111111-2222-4333-8444-555555555555", "ServerAppId": 9999}));
    assert_eq!((st, code(&doc)), (CMAAD_NOT_FOUND, "ServerAppNotFound"));
}

#[test]
fn service_rules() {
    let s = FfiSession::open();
    let (server, client) = s.seed();
    // A second tenant with its own pair.
    let mut other = server_request();
    other["TenantName"] = json!("Fabrikam");
    other["TenantId"] = json!("aaaaaaaa-2222-4333-8444-555555555555");
    other["ClientId"] = json!("bbbbbbbb-2222-4333-8444-555555555555");
    let (_, other_server) = s.import_server(&other, SECRET);

    let svc = |sa: i64, ca: i64| json!({"Name": "Contoso", "ServerAppId": sa, "ClientAppId": ca});
    let (st, doc) = s.new_service(&svc(client, client));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "NotAServerApp", "ServerAppId")
    );
    let (st, doc) = s.new_service(&svc(server, server));
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (CMAAD_INVALID_ARGUMENT, "NotAClientApp", "ClientAppId")
    );
    let (st, doc) = s.new_service(&svc(other_server["ID"].as_i64().unwrap(), client));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_INVALID_ARGUMENT, "AppsInDifferentTenants")
    );
    let (st, doc) = s.new_service(&svc(server, 4242));
    assert_eq!((st, code(&doc)), (CMAAD_NOT_FOUND, "AppNotFound"));
    let (st, first) = s.new_service(&svc(server, client));
    assert_eq!(st, CMAAD_OK, "{first}");
    let mut dup = svc(server, client);
    dup["Name"] = json!("CONTOSO");
    let (st, doc) = s.new_service(&dup);
    assert_eq!(
        (st, code(&doc), doc["Error"]["ID"].clone()),
        (CMAAD_ALREADY_EXISTS, "ServiceExists", first["ID"].clone())
    );
    let mut bad = svc(server, client);
    bad["Name"] = json!("Other");
    bad["EnableGroupDiscovery"] = json!(true);
    bad["EnableGroupDeltaDiscovery"] = json!(true);
    bad["GroupDeltaDiscoveryMins"] = json!(4);
    let (st, doc) = s.new_service(&bad);
    assert_eq!(
        (st, code(&doc), target(&doc)),
        (
            CMAAD_INVALID_ARGUMENT,
            "OutOfRange",
            "GroupDeltaDiscoveryMins"
        )
    );
    let mut env = svc(server, client);
    env["Name"] = json!("Gov");
    env["AzureEnvironmentOption"] = json!("AzureUSGovernmentCloud");
    let (st, doc) = s.new_service(&env);
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_INVALID_ARGUMENT, "EnvironmentMismatch")
    );
}

#[test]
fn ids_are_never_reused_and_store_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/site.db");
    let options = json!({"StorePath": path}).to_string();
    let (st, doc, h) = open(Some(&options));
    assert_eq!(st, CMAAD_OK, "{doc}");
    assert_eq!(doc["StorePath"], path.display().to_string());
    unsafe { cmaad::ffi::cmaad_session_close(h) };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "store folder is owner-only");
        let key = std::fs::metadata(dir.path().join("deep/er/site.db.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(key & 0o777, 0o600, "site key is owner-only");
    }
    let s = FfiSession::open_with(json!({"StorePath": path}));
    let (server, client) = s.seed();
    drop(s);
    let s = FfiSession::open_with(json!({"StorePath": path}));
    let snap = s.snapshot();
    assert_eq!(snap["value"].as_array().unwrap().len(), 2);
    assert_eq!(
        (
            snap["value"][0]["ID"].as_i64(),
            snap["value"][1]["ID"].as_i64()
        ),
        (Some(server), Some(client))
    );
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "secret stored in clear"
    );
}
