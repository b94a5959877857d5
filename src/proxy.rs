//! Which proxy a request goes through, and how a proxy URL is shown.
//!
//! The session's `Proxy` option wins; without it the environment's `HTTPS_PROXY`, `HTTP_PROXY`
//! and `ALL_PROXY` (upper or lower case, as curl reads them) apply, minus the hosts in
//! `NO_PROXY`. Whatever the source, a host CMAAD treats as loopback ([`LOOPBACK_HOSTS`], the same
//! set [`crate::cloud::is_loopback`] accepts for plain `http://`) never goes through a proxy: a
//! loopback endpoint is a local test server or reverse proxy, and a request to it (which may
//! carry a client secret over plain http) must not leave the machine. The operating system's
//! own proxy settings (WinINet, macOS) are not read.
//!
//! A proxy URL may carry credentials (`http://user:password@proxy:3128`, the usual answer to a
//! 407): [`redacted`] is the only form of it that may appear in a document or message.

use crate::error::{Error, Result};

/// The hosts that always bypass every proxy, in `NO_PROXY` syntax: `localhost`, the IPv4
/// loopback network and the IPv6 loopback address.
pub const LOOPBACK_HOSTS: &str = "localhost,127.0.0.0/8,::1";

/// The environment variables read when no explicit proxy is given, in curl's order of
/// precedence within each scheme (upper case first).
const HTTPS_VARS: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const HTTP_VARS: [&str; 2] = ["HTTP_PROXY", "http_proxy"];
const ALL_VARS: [&str; 2] = ["ALL_PROXY", "all_proxy"];
const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// A reqwest proxy constructor for one scheme (`Proxy::https`, `Proxy::http`, `Proxy::all`).
type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;

/// The proxies of a client, in the order reqwest consults them (the first that applies wins);
/// empty means every request goes direct. `explicit` is the session's `Proxy` option.
///
/// Errors: `InvalidProxy` (target `Proxy`) when a proxy URL, explicit or from the environment
/// (the message names the variable), cannot be used.
pub fn proxies(explicit: Option<&str>) -> Result<Vec<reqwest::Proxy>> {
    if let Some(url) = explicit {
        let proxy = reqwest::Proxy::all(url).map_err(|e| unusable("Proxy", url, &e))?;
        return Ok(vec![
            proxy.no_proxy(reqwest::NoProxy::from_string(LOOPBACK_HOSTS))
        ]);
    }
    // A CGI host sets HTTP_PROXY from the request's `Proxy:` header ("httpoxy"): the
    // environment is not trusted there, as curl and hyper do.
    if std::env::var_os("REQUEST_METHOD").is_some() {
        return Ok(Vec::new());
    }
    let bypass = match first_env(&NO_PROXY_VARS) {
        Some((_, list)) if !list.trim().is_empty() => format!("{list},{LOOPBACK_HOSTS}"),
        _ => LOOPBACK_HOSTS.to_string(),
    };
    let mut out = Vec::new();
    let kinds: [(&[&str], MakeProxy); 3] = [
        (&HTTPS_VARS, |u| reqwest::Proxy::https(u)),
        (&HTTP_VARS, |u| reqwest::Proxy::http(u)),
        (&ALL_VARS, |u| reqwest::Proxy::all(u)),
    ];
    for (vars, make) in kinds {
        if let Some((name, url)) = first_env(vars).filter(|(_, u)| !u.trim().is_empty()) {
            let proxy = make(url.trim()).map_err(|e| unusable(name, &url, &e))?;
            out.push(proxy.no_proxy(reqwest::NoProxy::from_string(&bypass)));
        }
    }
    Ok(out)
}

/// The proxy of a caller that passes its settings explicitly and wants no environment read
/// (`"ProcessEnvironment": false`): `explicit` (the session's `Proxy`, which such a caller takes
/// from its own `HTTPS_PROXY`/`HTTP_PROXY`) for every request except the hosts in `no_proxy`
/// (`NO_PROXY` syntax, the session's `NoProxy`) and loopback; none without `explicit`.
///
/// Errors: `InvalidProxy` (target `Proxy`) when the URL cannot be used.
pub fn explicit(explicit: Option<&str>, no_proxy: Option<&str>) -> Result<Vec<reqwest::Proxy>> {
    let Some(url) = explicit else {
        return Ok(Vec::new());
    };
    let bypass = match no_proxy {
        Some(list) if !list.trim().is_empty() => format!("{list},{LOOPBACK_HOSTS}"),
        _ => LOOPBACK_HOSTS.to_string(),
    };
    let proxy = reqwest::Proxy::all(url).map_err(|e| unusable("Proxy", url, &e))?;
    Ok(vec![proxy.no_proxy(reqwest::NoProxy::from_string(&bypass))])
}

/// The first of `names` that is set, with its value (not valid Unicode counts as unset, as
/// for every HTTP client reading these variables).
fn first_env<'a>(names: &[&'a str]) -> Option<(&'a str, String)> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().map(|v| (*name, v)))
}

fn unusable(source: &str, url: &str, error: &reqwest::Error) -> Error {
    let shown = redacted(url);
    let fix = if source == "Proxy" {
        "give it as http://proxy.contoso.com:8080"
    } else {
        "correct or unset that environment variable, or pass Proxy in the session options"
    };
    Error::invalid(
        "Proxy",
        "InvalidProxy",
        format!("The proxy '{shown}' from {source} is not usable ({error}): {fix}."),
    )
}

/// `url` with any user name and password replaced by `***`, for documents and messages:
/// `http://svc:Pa55@proxy:3128` → `http://***@proxy:3128`. Text that is not a URL is redacted
/// from its scheme separator up to the last `@` before the path, so a credential in a
/// malformed URL is hidden too.
pub fn redacted(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***{}", &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_whatever_the_shape() {
        assert_eq!(
            redacted("http://svc-cmaad:Pr0xy!Pass@127.0.0.1:3128"),
            "http://***@127.0.0.1:3128"
        );
        assert_eq!(
            redacted("http://token@proxy:8080/x"),
            "http://***@proxy:8080/x"
        );
        assert_eq!(redacted("user:p@ss@proxy:1"), "***@proxy:1");
        assert_eq!(redacted("http://a:b@c@proxy"), "http://***@proxy");
        assert_eq!(redacted("http://proxy:8080"), "http://proxy:8080");
        assert_eq!(redacted("http://proxy/a@b"), "http://proxy/a@b");
    }

    #[test]
    fn a_bad_proxy_is_refused_without_its_password() {
        let e = proxies(Some("http://user:S3cret@[bad")).unwrap_err();
        assert_eq!(e.code, "InvalidProxy");
        assert!(!e.message.contains("S3cret"), "{}", e.message);
    }
}
