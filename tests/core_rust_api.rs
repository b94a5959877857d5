//! The Rust API on its own, without the C ABI or any JSON: typed requests in, typed results out,
//! with the same rules as the cmdlets.

mod common;

use chrono::{Duration, Utc};
use cmaad::model::{AppFilter, AppType, Discovery};
use cmaad::secret::SecretKey;
use cmaad::session::{ClientAppImport, NewService, ServerAppImport, TenantRef};
use cmaad::{Session, SessionOptions, Status};
use common::{CLIENT_CLIENT_ID, SECRET, SERVER_CLIENT_ID, TENANT};
use zeroize::Zeroizing;

fn session(dir: &tempfile::TempDir) -> Session {
    Session::open(SessionOptions::new(dir.path().join("site.db"))).unwrap()
}

fn server_import() -> ServerAppImport {
    ServerAppImport {
        tenant_name: "Contoso".into(),
        tenant_id: TENANT.into(),
        app_name: "CmgServerApp".into(),
        client_id: SERVER_CLIENT_ID.into(),
        secret_key_expiry: Utc::now() + Duration::days(365),
        app_id_uri: Some(
            cmaad::requirements::app_id_uri(
                &format!("api://{TENANT}/ConfigMgrService"),
                TENANT,
                SERVER_CLIENT_ID,
            )
            .unwrap(),
        ),
        environment: None,
        verify: false,
    }
}

#[test]
fn rust_api_flow_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir);
    let secret = SecretKey::new(Zeroizing::new(SECRET.to_string()), "SecretKey").unwrap();
    let server = s.import_server_app(&server_import(), &secret).unwrap().app;
    let client = s
        .import_client_app(&ClientAppImport {
            app_name: "CmgClientApp".into(),
            client_id: CLIENT_CLIENT_ID.into(),
            tenant: TenantRef::TenantId(TENANT.into()),
            verify: false,
        })
        .unwrap()
        .app;
    assert_eq!(client.server_app_id, Some(server.id));
    let clients = s
        .get_apps(&AppFilter {
            app_type: Some(AppType::ClientApplication),
            ..AppFilter::default()
        })
        .unwrap();
    assert_eq!(clients.len(), 1);
    let svc = s
        .new_cloud_management_service(&NewService {
            name: "Contoso".into(),
            server_app_id: server.id,
            client_app_id: client.id,
            description: None,
            environment: None,
            discovery: Discovery::default(),
        })
        .unwrap();
    assert_eq!(
        (svc.server_app_id, svc.client_app_id),
        (server.id, client.id)
    );

    let e = s.import_server_app(&server_import(), &secret).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.existing_id),
        (Status::AlreadyExists, "AppExists", Some(server.id))
    );
    assert!(format!("{secret:?}").contains("redacted"));

    // A second session on the same store sees the same site.
    let again = session(&dir);
    assert_eq!(again.get_apps(&AppFilter::default()).unwrap().len(), 2);
}

#[test]
fn request_documents_are_read_at_the_boundary() {
    // The JSON reader of the C ABI gives the same typed request, and its errors name the field.
    let e = cmaad::wire::apps::app_filter(Some(r#"{"AppType": 1}"#)).unwrap_err();
    assert_eq!(
        (e.status, e.target.as_deref()),
        (Status::InvalidArgument, Some("AppType"))
    );
    let filter =
        cmaad::wire::apps::app_filter(Some(r#"{"AppType": "ClientApplication"}"#)).unwrap();
    assert_eq!(filter.app_type, Some(AppType::ClientApplication));
}
