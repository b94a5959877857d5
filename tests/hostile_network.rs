//! The secret leaves only by the path CMAAD chose: token and Graph requests never follow a
//! redirect (whatever its status, scheme or target), a loopback endpoint never goes through an
//! explicit proxy, and text a server echoes back is scrubbed of the secret before CMAAD quotes
//! it. Everything runs against loopback servers that record what reaches them.

mod common;
mod entra_support;
mod hostile_support;
mod provision_support;

use cmaad::ffi::cmaad_status::*;
use cmaad_fake_entra::{Endpoint, FakeEntra, Fault, FaultKind};
use common::{code, server_request, FfiSession, SECRET};
use hostile_support::{
    answer, assert_direct, body_of, loopback_hosts, token_answer, token_endpoint, Recorder,
};
use serde_json::{json, Value};

/// A server app import with Verify through a session with `options`.
fn verified_import(options: Value) -> (FfiSession, cmaad::ffi::cmaad_status, Value) {
    let session = FfiSession::open_with(options);
    let mut request = server_request();
    request["Verify"] = json!(true);
    let (status, doc) = session.import_server(&request, SECRET);
    (session, status, doc)
}

fn assert_nothing_stored(session: &FfiSession) {
    let (_, apps) = session.get(None);
    assert_eq!(apps["value"], json!([]), "an app was stored: {apps}");
}

fn message(doc: &Value) -> &str {
    doc["Error"]["Message"].as_str().unwrap_or_default()
}

#[test]
fn token_requests_never_follow_a_redirect() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = Recorder::start("127.0.0.2", |_| token_answer());
        let fake = FakeEntra::start(entra_support::directory());
        let location = format!("{}/steal/oauth2/v2.0/token", elsewhere.url());
        fake.add_fault(Fault::on(
            Endpoint::Token,
            FaultKind::Redirect { status, location },
        ));
        let (session, st, doc) = verified_import(json!({"AuthorityHost": fake.base_url()}));
        assert_eq!(st, CMAAD_NETWORK, "HTTP {status}: {doc}");
        assert_eq!(code(&doc), "UnexpectedResponse", "{doc}");
        let text = message(&doc);
        assert!(
            text.contains("host 127.0.0.1") && text.contains("127.0.0.2"),
            "the message names neither the host that redirected nor its target: {text}"
        );
        assert!(
            elsewhere.requests().is_empty(),
            "HTTP {status}: the redirect target received {:?}",
            elsewhere.requests()
        );
        assert_eq!(fake.count(Endpoint::Token), 1, "a redirect was retried");
        assert_nothing_stored(&session);
    }
}

#[test]
fn an_https_authority_cannot_redirect_the_secret_to_plain_http() {
    let elsewhere = Recorder::start("127.0.0.2", |_| token_answer());
    let fake = FakeEntra::start_https(entra_support::directory());
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), fake.ca_pem().unwrap()).unwrap();
    fake.add_fault(Fault::on(
        Endpoint::Token,
        FaultKind::Redirect {
            status: 307,
            location: format!("{}/x/oauth2/v2.0/token", elsewhere.url()),
        },
    ));
    let (session, st, doc) = verified_import(json!({
        "AuthorityHost": fake.base_url(),
        "TrustedCaPath": ca.path(),
    }));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_NETWORK, "UnexpectedResponse"),
        "{doc}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert_nothing_stored(&session);
}

#[test]
fn graph_requests_never_follow_a_redirect() {
    use entra_support::*;
    let fake = fake();
    let elsewhere = Recorder::start("127.0.0.2", |_| {
        answer("200 OK", &[], "application/json", r#"{"appId":"x"}"#)
    });
    let target = format!("{}/v1.0/applications", elsewhere.url());
    let graph = Recorder::start("127.0.0.1", move |_| {
        answer(
            "308 Permanent Redirect",
            &[&format!("Location: {target}")],
            "text/plain",
            "",
        )
    });
    let endpoints = cmaad::cloud::Endpoints {
        authority_host: Some(fake.base_url().to_string()),
        graph_host: Some(graph.url()),
    };
    let net = cmaad::runtime::NetConfig {
        connect_timeout: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let verifier = cmaad::entra::Verifier::new(endpoints, net, std::time::Duration::from_secs(2))
        .with_retry(fast_retry());
    let s = secret(SECRET);
    let e = verifier
        .verify_client_app(&client_probe(Some(&s)))
        .unwrap_err();
    assert_eq!(e.code, "UnexpectedResponse", "{e:?}");
    assert_eq!(graph.requests().len(), 1, "a redirect was retried");
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
}

#[test]
fn loopback_endpoints_bypass_an_explicit_proxy() {
    let proxy = Recorder::start("127.0.0.1", |_| {
        answer("502 Bad Gateway", &[], "text/plain", "proxy")
    });
    // 127.0.0.2 is loopback like 127.0.0.1; `localhost` and [::1] are the other names CMAAD
    // accepts for plain http.
    for (ip, host) in loopback_hosts() {
        // With the environment read (the default) and with every setting given explicitly
        // (`ProcessEnvironment: false`, as the PowerShell module passes them).
        for process_environment in [true, false] {
            let (entra, authority) = token_endpoint(ip, host);
            let (_session, st, doc) = verified_import(json!({
                "AuthorityHost": authority,
                "Proxy": proxy.url(),
                "ProcessEnvironment": process_environment,
                "NoProxy": "",
            }));
            assert_eq!(st, CMAAD_OK, "{authority}: {doc}");
            assert_direct(&entra, &proxy, &authority);
        }
    }
}

#[test]
fn an_echoed_request_body_never_brings_the_secret_into_a_message() {
    let fake = FakeEntra::start(entra_support::directory());
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Echo(9_999_001)));
    let (session, st, doc) = verified_import(json!({"AuthorityHost": fake.base_url()}));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_VERIFICATION_FAILED, "EntraError"),
        "{doc}"
    );
    let text = doc.to_string();
    let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    assert!(!text.contains(SECRET) && !text.contains(&form), "{text}");
    let text = message(&doc);
    assert!(
        text.contains("client_secret=***") && text.contains("AADSTS9999001"),
        "the description should be quoted, scrubbed: {text}"
    );
    for named in [
        entra_support::TENANT,
        entra_support::SERVER_ID,
        "token request",
    ] {
        assert!(
            text.contains(named),
            "the message does not name {named}: {text}"
        );
    }
    assert_nothing_stored(&session);
}

#[test]
fn a_proxy_error_page_quoting_the_body_is_not_quoted() {
    let page = Recorder::start("127.0.0.1", |request| {
        let echoed = format!("<html>Bad request: {}</html>", body_of(request));
        answer("400 Bad Request", &[], "text/html", &echoed)
    });
    let (_session, st, doc) = verified_import(json!({"AuthorityHost": page.url()}));
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_NETWORK, "UnexpectedResponse"),
        "{doc}"
    );
    let form: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    assert!(!doc.to_string().contains(&form), "{doc}");
}

/// A secret pasted into the wrong field is not echoed back, by CMAAD's own check or by Entra.
#[test]
fn a_secret_pasted_into_another_field_is_not_echoed() {
    let pasted = "Zq78Q~abcdefghijklmnopqrstuvwxyz0123456";
    let session = FfiSession::open();
    let mut request = server_request();
    request["ClientId"] = json!(pasted);
    let refused = |session: &FfiSession, request: &Value, status, want: &str| {
        let (st, doc) = session.import_server(request, SECRET);
        assert_eq!((st, code(&doc)), (status, want), "{doc}");
        assert!(!doc.to_string().contains(pasted), "{doc}");
    };
    refused(
        &session,
        &request,
        CMAAD_INVALID_ARGUMENT,
        "InvalidClientId",
    );

    let fake = FakeEntra::start(entra_support::directory());
    fake.add_fault(Fault::on(Endpoint::Token, FaultKind::Echo(70011)));
    let mut request = server_request();
    request["Verify"] = json!(true);
    request["AppIdUri"] = json!(format!("api://{pasted}"));
    let session = FfiSession::open_with(json!({"AuthorityHost": fake.base_url()}));
    refused(
        &session,
        &request,
        CMAAD_VERIFICATION_FAILED,
        "InvalidScope",
    );
}

/// Proxy credentials (the usual answer to a 407) are sent to the proxy and shown nowhere: not in
/// the session document, not in the error when the proxy still refuses them.
#[test]
fn proxy_credentials_are_used_but_never_shown() {
    let proxy = Recorder::start("127.0.0.1", |_| {
        answer("407 Proxy Authentication Required", &[], "text/plain", "")
    });
    let password = "Pr0xy!Pass";
    let proxy_url = format!("http://svc-cmaad:{password}@127.0.0.1:{}", proxy.port());
    let (status, doc, handle) = common::open(Some(
        &json!({
            "StorePath": tempfile::tempdir().unwrap().path().join("site.db"),
            "Proxy": proxy_url,
            "AuthorityHost": "https://login.cmaad-test.example",
        })
        .to_string(),
    ));
    assert_eq!(status, CMAAD_OK, "{doc}");
    assert!(!doc.to_string().contains(password), "{doc}");
    assert_eq!(
        doc["Proxy"],
        json!(format!("http://***@127.0.0.1:{}", proxy.port()))
    );
    let mut request = server_request();
    request["Verify"] = json!(true);
    let r = std::ffi::CString::new(request.to_string()).unwrap();
    let units: Vec<u16> = SECRET.encode_utf16().collect();
    let (st, doc) = common::call(|out| unsafe {
        cmaad::ffi::cmaad_import_server_app(handle, r.as_ptr(), units.as_ptr(), units.len(), out)
    });
    unsafe { cmaad::ffi::cmaad_session_close(handle) };
    assert_eq!(
        (st, code(&doc)),
        (CMAAD_NETWORK, "ProxyAuthenticationRequired"),
        "{doc}"
    );
    assert!(!doc.to_string().contains(password), "{doc}");
    let seen = proxy.requests();
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("svc-cmaad:{password}"));
    assert!(
        seen.len() == 1 && seen[0].contains(&format!("Basic {basic}")),
        "the proxy did not get the credentials once: {seen:?}"
    );
}

/// Values Graph holds are quoted in audit details: a credential pasted into one (here a client
/// secret in an App ID URI and a password in a redirect URI) is not quoted with them.
#[test]
fn an_audit_does_not_quote_a_credential_graph_holds() {
    use provision_support::*;
    let pasted = "Zq78Q~abcdefghijklmnopqrstuvwxyz0123456";
    let fake = FakeEntra::start(directory());
    let s = session(&fake);
    let signin = admin(&s);
    let id = "c0c0c0c0-1111-4222-8333-944455556666";
    fake.update(|c| {
        let app = cmaad_fake_entra::App::new(id, "HandMade")
            .identifier_uri(&format!("api://{pasted}"))
            .public_redirect_uri("http://svc:Pa55w0rd@localhost")
            .user_impersonation_scope();
        c.tenants[0].applications.push(app);
    });
    let (status, doc) = audit(&s, &signin, &json!({ "ClientId": id }));
    assert_eq!(status, CMAAD_OK, "{doc}");
    let text = doc.to_string();
    assert!(
        !text.contains(pasted) && !text.contains("Pa55w0rd"),
        "{text}"
    );
    assert!(text.contains("***"), "{text}");
}

/// An endpoint URL carrying credentials is refused (CMAAD would send them as basic auth), and
/// the refusal does not show them.
#[test]
fn endpoint_urls_with_credentials_are_refused_unshown() {
    for field in ["AuthorityHost", "GraphHost"] {
        for url in [
            "https://svc:S3cret-Pw@login.example.com",
            "http://svc:S3cret-Pw@127.0.0.1:9",
            "ftp://svc:S3cret-Pw@host",
        ] {
            let options = json!({ field: url, "StorePath": "/nonexistent/site.db" });
            let (st, doc, _) = common::open(Some(&options.to_string()));
            common::assert_refused(st, &doc, CMAAD_INVALID_ARGUMENT, "InvalidUrl", field);
            assert!(!doc.to_string().contains("S3cret-Pw"), "{doc}");
        }
    }
}

/// A SOCKS proxy would be accepted and then never work (the HTTP stack has no SOCKS): refused,
/// without its password.
#[test]
fn a_socks_proxy_is_refused() {
    let options = json!({ "Proxy": "socks5://svc:S3cret-Pw@127.0.0.1:1080", "StorePath": "/nonexistent/site.db" });
    let (st, doc, _) = common::open(Some(&options.to_string()));
    common::assert_refused(st, &doc, CMAAD_INVALID_ARGUMENT, "InvalidProxy", "Proxy");
    assert!(!doc.to_string().contains("S3cret-Pw"), "{doc}");
}
