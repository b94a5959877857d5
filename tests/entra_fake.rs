//! The fake itself, spoken to directly: the device code flow end to end, Graph authorization,
//! request checks Entra makes, and https with the generated test CA.

mod entra_support;

use cmaad_fake_entra::{App, Endpoint, FakeEntra};
use entra_support::*;
use serde_json::Value;

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn post(fake: &FakeEntra, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let url = format!("{}{path}", fake.base_url());
    let form: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    cmaad::runtime::block_on(async move {
        let r = client().post(url).form(&form).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    })
    .unwrap()
}

fn get(fake: &FakeEntra, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let url = format!("{}{path}", fake.base_url());
    let bearer = bearer.map(str::to_string);
    cmaad::runtime::block_on(async move {
        let mut req = client().get(url);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    })
    .unwrap()
}

fn device_code(fake: &FakeEntra, client_id: &str) -> (String, String) {
    let (status, body) = post(
        fake,
        &format!("/{TENANT}/oauth2/v2.0/devicecode"),
        &[
            ("client_id", client_id),
            (
                "scope",
                "https://graph.microsoft.com/Application.ReadWrite.All offline_access",
            ),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(body["user_code"].as_str().unwrap()));
    assert_eq!(
        body["verification_uri"],
        "https://microsoft.com/devicelogin"
    );
    (
        body["device_code"].as_str().unwrap().to_string(),
        body["user_code"].as_str().unwrap().to_string(),
    )
}

fn poll(fake: &FakeEntra, client_id: &str, code: &str) -> (u16, Value) {
    post(
        fake,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", client_id),
            ("device_code", code),
        ],
    )
}

#[test]
fn device_code_flow_pending_slow_down_then_token() {
    let fake = FakeEntra::start(directory().device_code_interval_secs(60));
    let (code, user) = device_code(&fake, CLIENT_ID);
    let (status, body) = poll(&fake, CLIENT_ID, &code);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    assert_eq!(body["error_codes"][0], 70016);
    let (_, body) = poll(&fake, CLIENT_ID, &code);
    assert_eq!(body["error"], "slow_down");
    assert!(fake.approve_device_code(&user));
    fake.update(|c| c.device_code_interval_secs = 0);
    let (status, body) = poll(&fake, CLIENT_ID, &code);
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    let (status, apps) = get(
        &fake,
        &format!("/v1.0/applications?$filter=appId eq '{SERVER_ID}'"),
        Some(&token),
    );
    assert_eq!(status, 200, "{apps}");
    assert_eq!(apps["value"][0]["appId"], SERVER_ID);
    assert!(apps["value"][0]["passwordCredentials"][0]["secretText"].is_null());
    let (_, again) = poll(&fake, CLIENT_ID, &code);
    assert_eq!(
        again["error"], "expired_token",
        "a device code is redeemed once"
    );
}

#[test]
fn device_code_declined_expired_and_public_client_off() {
    let server = server_app();
    let client = client_app(&server);
    let private = App::new("33333333-4444-5555-6666-777777777777", "NotPublic");
    let fake = FakeEntra::start(directory_with(server, client).device_code_interval_secs(0));
    fake.update(|c| c.tenants[0].applications.push(private));
    let (code, user) = device_code(&fake, CLIENT_ID);
    fake.decline_device_code(&user);
    assert_eq!(
        poll(&fake, CLIENT_ID, &code).1["error"],
        "authorization_declined"
    );
    let (code, user) = device_code(&fake, CLIENT_ID);
    fake.expire_device_code(&user);
    assert_eq!(poll(&fake, CLIENT_ID, &code).1["error"], "expired_token");
    let (code, user) = device_code(&fake, "33333333-4444-5555-6666-777777777777");
    fake.approve_device_code(&user);
    let (status, body) = poll(&fake, "33333333-4444-5555-6666-777777777777", &code);
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (401, Some(7000218))
    );
    let (status, body) = post(
        &fake,
        &format!("/{TENANT}/oauth2/v2.0/devicecode"),
        &[
            ("client_id", "44444444-4444-4444-4444-444444444444"),
            ("scope", "openid"),
        ],
    );
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(700016))
    );
}

#[test]
fn graph_requires_a_graph_token_with_read_permission() {
    let fake = fake();
    let path = format!("/v1.0/applications(appId='{CLIENT_ID}')");
    let (status, body) = get(&fake, &path, None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    let api_token = post(
        &fake,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SERVER_ID),
            ("client_secret", SECRET),
            ("scope", &format!("{APP_ID_URI}/.default")),
        ],
    )
    .1;
    let (status, _) = get(&fake, &path, api_token["access_token"].as_str());
    assert_eq!(status, 401, "a token for another audience is refused");
    fake.update(|c| c.tenants[0].applications[0].graph_roles.clear());
    let graph_token = post(
        &fake,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SERVER_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .1;
    let (status, body) = get(&fake, &path, graph_token["access_token"].as_str());
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());
}

#[test]
fn graph_application_shape_and_not_found() {
    let fake = fake();
    let token = post(
        &fake,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", SERVER_ID),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .1;
    let bearer = token["access_token"].as_str();
    let (status, app) = get(
        &fake,
        &format!("/v1.0/applications(appId='{SERVER_ID}')"),
        bearer,
    );
    assert_eq!(status, 200);
    for field in [
        "id",
        "appId",
        "displayName",
        "identifierUris",
        "signInAudience",
        "isFallbackPublicClient",
        "publicClient",
        "web",
        "api",
        "requiredResourceAccess",
        "passwordCredentials",
    ] {
        assert!(app.get(field).is_some(), "missing {field}: {app}");
    }
    assert_eq!(
        app["api"]["oauth2PermissionScopes"][0]["value"],
        "user_impersonation"
    );
    assert_eq!(app["passwordCredentials"][0]["hint"], &SECRET[..3]);
    assert!(!app.to_string().contains(SECRET));
    let (status, body) = get(
        &fake,
        "/v1.0/applications(appId='55555555-5555-5555-5555-555555555555')",
        bearer,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("Request_ResourceNotFound"))
    );
}

#[test]
fn token_endpoint_checks_requests_like_entra() {
    let fake = fake();
    let path = format!("/{TENANT}/oauth2/v2.0/token");
    let base = [("client_id", SERVER_ID), ("client_secret", SECRET)];
    let (_, body) = post(&fake, &path, &base);
    assert_eq!(body["error_codes"][0], 900144, "grant_type is required");
    let (_, body) = post(
        &fake,
        &path,
        &[
            base[0],
            base[1],
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/User.Read"),
        ],
    );
    assert_eq!(
        (body["error"].as_str(), body["error_codes"][0].as_u64()),
        (Some("invalid_scope"), Some(1002012))
    );
    let (_, body) = post(
        &fake,
        &path,
        &[
            base[0],
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    );
    assert_eq!(body["error_codes"][0], 7000218);
    let (_, body) = post(
        &fake,
        "/not_a_tenant!/oauth2/v2.0/token",
        &[base[0], base[1], ("grant_type", "client_credentials")],
    );
    assert_eq!(body["error_codes"][0], 900023);
    for key in [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(body.get(key).is_some(), "missing {key}");
    }
    // A JSON body is not a form: Entra does not see grant_type.
    let url = format!("{}{path}", fake.base_url());
    let (status, body) = cmaad::runtime::block_on(async move {
        let r = client()
            .post(url)
            .json(&serde_json::json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    })
    .unwrap();
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(900144))
    );
    assert!(fake.requests().iter().all(|r| r
        .form_field("client_secret")
        .is_none_or(|s| s == "<redacted>")));
}

#[test]
fn discovery_names_the_tenant_guid() {
    let fake = fake();
    let (status, doc) = get(
        &fake,
        &format!("/{DOMAIN}/v2.0/.well-known/openid-configuration"),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], format!("{}/{TENANT}/v2.0", fake.base_url()));
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/{TENANT}/oauth2/v2.0/token", fake.base_url())
    );
    let (status, body) = get(
        &fake,
        "/unknown.example.com/v2.0/.well-known/openid-configuration",
        None,
    );
    assert_eq!(
        (
            status,
            body["error"].as_str(),
            body["error_codes"][0].as_u64()
        ),
        (400, Some("invalid_tenant"), Some(90002))
    );
    assert_eq!(fake.count(Endpoint::Discovery), 2);
}

#[test]
fn https_with_the_test_ca() {
    let fake = FakeEntra::start_https(directory());
    assert!(fake.base_url().starts_with("https://127.0.0.1:"));
    let ca = reqwest::Certificate::from_pem(fake.ca_pem().unwrap().as_bytes()).unwrap();
    let url = format!(
        "{}/{TENANT}/v2.0/.well-known/openid-configuration",
        fake.base_url()
    );
    let (trusted, untrusted) = cmaad::runtime::block_on(async move {
        let trusted = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([ca])
            .build()
            .unwrap()
            .get(&url)
            .send()
            .await
            .map(|r| r.status().as_u16());
        let untrusted = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(&url)
            .send()
            .await;
        (trusted, untrusted.is_err())
    })
    .unwrap();
    assert_eq!(trusted.unwrap(), 200);
    assert!(
        untrusted,
        "a client that does not trust the test CA must fail"
    );
}

#[test]
fn a_graph_refuses_tokens_issued_for_another_graph() {
    // A Graph standing for US Government DoD accepts tokens issued for it and refuses tokens
    // for https://graph.microsoft.us with 401 (invalid audience), as DoD's Graph does.
    let fake = FakeEntra::start(directory().graph_audience("https://dod-graph.microsoft.us"));
    let path = format!("/v1.0/applications(appId='{SERVER_ID}')");
    for (resource, expected) in [
        ("https://graph.microsoft.us", 401),
        ("https://dod-graph.microsoft.us", 200),
    ] {
        let token = post(
            &fake,
            &format!("/{TENANT}/oauth2/v2.0/token"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SERVER_ID),
                ("client_secret", SECRET),
                ("scope", &format!("{resource}/.default")),
            ],
        )
        .1;
        let (status, body) = get(&fake, &path, token["access_token"].as_str());
        assert_eq!(status, expected, "{resource}: {body}");
    }
}
