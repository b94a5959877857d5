//! The Rust API on its own, without the C ABI: the same operations and rules as the cmdlets.

mod common;

use cmaad::secret::SecretKey;
use cmaad::{Session, SessionOptions, Status};
use common::{server_request, CLIENT_CLIENT_ID, SECRET, TENANT};
use serde_json::json;
use zeroize::Zeroizing;

fn session(dir: &tempfile::TempDir) -> Session {
    let options = SessionOptions::parse(Some(
        &json!({"StorePath": dir.path().join("site.db")}).to_string(),
    ))
    .unwrap();
    Session::open(options).unwrap()
}

#[test]
fn rust_api_flow_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir);
    let secret = SecretKey::new(Zeroizing::new(SECRET.to_string()), "SecretKey").unwrap();
    let server = s
        .import_server_app(&server_request().to_string(), &secret)
        .unwrap();
    let client = s
        .import_client_app(
            &json!({"AppName": "CmgClientApp", "ClientId": CLIENT_CLIENT_ID, "TenantId": TENANT})
                .to_string(),
        )
        .unwrap();
    assert_eq!(client["ServerAppID"], server["ID"]);
    let apps = s
        .get_apps(Some(r#"{"AppType": "ClientApplication"}"#))
        .unwrap();
    assert_eq!(apps["value"].as_array().unwrap().len(), 1);
    let svc = s
        .new_cloud_management_service(
            &json!({"Name": "Contoso", "ServerAppId": server["ID"], "ClientAppId": client["ID"]})
                .to_string(),
        )
        .unwrap();
    assert_eq!(svc["ServiceType"], "CloudManagement");

    let e = s
        .import_server_app(&server_request().to_string(), &secret)
        .unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.existing_id),
        (Status::AlreadyExists, "AppExists", server["ID"].as_i64())
    );
    let e = s.get_apps(Some(r#"{"AppType": 1}"#)).unwrap_err();
    assert_eq!(
        (e.status, e.target.as_deref()),
        (Status::InvalidArgument, Some("AppType"))
    );
    assert!(format!("{secret:?}").contains("redacted"));

    // A second session on the same store sees the same site.
    let again = session(&dir);
    assert_eq!(
        again.get_apps(None).unwrap()["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
