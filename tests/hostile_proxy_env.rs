//! Proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`): they still carry
//! requests to real hosts, but never a request to a loopback host (127.0.0.0/8, `localhost`,
//! [::1]), which would otherwise hand a plain-http form with the client secret to the proxy.
//!
//! One test in its own binary: it sets process-wide environment variables.

mod common;
mod hostile_support;

use cmaad::ffi::cmaad_status::*;
use common::{code, server_request, FfiSession, SECRET};
use hostile_support::{answer, assert_direct, loopback_hosts, token_endpoint, Recorder};
use serde_json::json;

#[test]
fn environment_proxies_never_carry_loopback_requests() {
    let proxy = Recorder::start("127.0.0.1", |_| {
        answer(
            "407 Proxy Authentication Required",
            &["Proxy-Authenticate: Basic realm=\"corp\""],
            "text/plain",
            "",
        )
    });
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        std::env::set_var(name, proxy.url());
    }
    for name in ["NO_PROXY", "no_proxy", "REQUEST_METHOD"] {
        std::env::remove_var(name);
    }
    let mut request = server_request();
    request["Verify"] = json!(true);
    // Each session gets its own timeout, so its HTTP client is built after the variables are set.
    for (timeout, (ip, host)) in (3..).zip(loopback_hosts()) {
        let (entra, authority) = token_endpoint(ip, host);
        let session =
            FfiSession::open_with(json!({"AuthorityHost": authority, "TimeoutSeconds": timeout}));
        let (st, doc) = session.import_server(&request, SECRET);
        assert_eq!(st, CMAAD_OK, "{authority}: {doc}");
        assert_direct(&entra, &proxy, &authority);
    }
    // A real host still goes through the environment's proxy (here one that demands
    // authentication, which gets its own code and is not retried).
    // Each with a timeout of its own, so its client is built with the variables as they are.
    let real_host = |timeout: u32, status, want: &str| {
        let session = FfiSession::open_with(json!({
            "AuthorityHost": "https://login.cmaad-test.example",
            "TimeoutSeconds": timeout,
        }));
        let (st, doc) = session.import_server(&request, SECRET);
        assert_eq!((st, code(&doc)), (status, want), "{doc}");
        doc
    };
    real_host(9, CMAAD_NETWORK, "ProxyAuthenticationRequired");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("CONNECT login.cmaad-test.example:443"),
        "{seen:?}"
    );

    // A variable that is set but unusable is an error naming it, not a silent direct connection.
    std::env::set_var("HTTPS_PROXY", "http://svc:S3cret-Pw@[bad");
    let doc = real_host(10, CMAAD_INVALID_ARGUMENT, "InvalidProxy");
    assert!(
        doc["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("HTTPS_PROXY"),
        "{doc}"
    );
    assert!(!doc.to_string().contains("S3cret-Pw"), "{doc}");
}
