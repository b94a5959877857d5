//! The Rust API without the C ABI: import a CMG server and client app into a site store and
//! create the cloud management service, with typed requests and results.
//!
//! `cargo run --example rust_api -- /tmp/site.db` (nothing is contacted: `verify` is false;
//! set it to check the apps against Entra first).

use chrono::{Duration, Utc};
use cmaad::model::{AppFilter, Discovery};
use cmaad::secret::SecretKey;
use cmaad::session::{ClientAppImport, NewService, ServerAppImport, TenantRef};
use cmaad::{Session, SessionOptions};
use zeroize::Zeroizing;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = std::env::args().nth(1).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("cmaad-example.db")
            .display()
            .to_string()
    });
    let session = Session::open(SessionOptions::new(store))?;
    let tenant = "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b";
    let server_client_id = "7078946d-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    let secret = SecretKey::new(Zeroizing::new("the secret's Value".into()), "SecretKey")?;
    let server = session.import_server_app(
        &ServerAppImport {
            tenant_name: "Contoso".into(),
            tenant_id: tenant.into(),
            app_name: "CmgServerApp".into(),
            client_id: server_client_id.into(),
            secret_key_expiry: Utc::now() + Duration::days(365),
            app_id_uri: Some(cmaad::requirements::app_id_uri(
                &format!("api://{tenant}/ConfigMgrService"),
                tenant,
                server_client_id,
            )?),
            environment: None,
            verify: false,
        },
        &secret,
    )?;
    let client = session.import_client_app(&ClientAppImport {
        app_name: "CmgClientApp".into(),
        client_id: "cf114f48-2b3c-4d5e-9f0a-1b2c3d4e5f60".into(),
        tenant: TenantRef::ServerAppId(server.app.id),
        verify: false,
    })?;
    let service = session.new_cloud_management_service(&NewService {
        name: "Contoso".into(),
        server_app_id: server.app.id,
        client_app_id: client.app.id,
        description: Some("Azure Service".into()),
        environment: None,
        discovery: Discovery::default(),
    })?;
    for app in session.get_apps(&AppFilter::tenant(tenant))? {
        println!("{} {} ({})", app.id, app.name, app.app_type.name());
    }
    println!("service {} '{}'", service.id, service.name);
    Ok(())
}
