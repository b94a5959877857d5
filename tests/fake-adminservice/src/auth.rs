//! Authentication as the SMS Provider's HTTP.sys front end does it: `Negotiate` (a Kerberos
//! AP-REQ checked with the service key of `HTTP/<provider>`, or NTLM where the site still allows
//! it) authenticates the *connection*, so later requests on it need no header; `Bearer` tokens
//! (Entra, on `/AdminService_TokenAuth/`) are checked on every request: [`entra_bearer`] accepts
//! only tokens the fake Entra issued, for the site's server app, unexpired.
//!
//! Kerberos: the AP-REQ is decrypted with the key the real KDC generated for the service, the
//! authenticator's time is checked against a 5-minute skew, a replayed AP-REQ is refused, and the
//! AP-REP (mutual authentication) goes back in `WWW-Authenticate`. NTLM: NTLMv2 against the
//! configured account's password (negotiate, challenge, authenticate on one connection).

use crate::kdc::ServiceKey;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use sspi::{
    AuthIdentity, BufferType, CredentialUse, DataRepresentation, Kerberos, KerberosConfig, Ntlm,
    SecurityBuffer, SecurityStatus, ServerRequestFlags, Sspi, SspiImpl, Username,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// RFC 3962's `aes256-cts-hmac-sha1-96`.
const AES256_CTS_HMAC_SHA1_96: u16 = 18;
/// The clock skew Kerberos allows (RFC 4120 §1.6, Windows' default).
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Checks a bearer token: the caller's name when the token is valid for the provider, else the
/// `error_description` of the `401` (RFC 6750 §3).
pub type BearerCheck = Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// The check `AdminService_TokenAuth` makes: the token was issued by the fake Entra (`entra`),
/// for the site's server app (`audiences`: its App ID URI and client ID), in `tenant`, and has
/// not expired.
pub fn entra_bearer(
    entra: cmaad_fake_entra::TokenValidator,
    audiences: Vec<String>,
    tenant: String,
) -> BearerCheck {
    Arc::new(move |token| {
        let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
        entra.validate(token, &audiences, &tenant)
    })
}

/// An NTLM account the provider accepts (sites before ConfigMgr 2509).
#[derive(Clone)]
pub struct NtlmAccount {
    /// `DOMAIN`.
    pub domain: String,
    /// `user`.
    pub user: String,
    /// The account's password.
    pub password: String,
}

/// The Kerberos service the provider runs as: `HTTP/<host>` and its keys from the KDC.
#[derive(Clone, Debug)]
pub struct KerberosService {
    /// The host part of the SPN.
    pub host: String,
    /// The service keys (from the realm's keytab).
    pub keys: Vec<ServiceKey>,
}

/// How the fake provider authenticates callers.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// Kerberos through `Negotiate`; `None` refuses Kerberos.
    pub kerberos: Option<KerberosService>,
    /// NTLM accounts; empty = NTLM refused, as since ConfigMgr 2509.
    pub ntlm: Vec<NtlmAccount>,
    /// Bearer tokens on `/AdminService_TokenAuth/`; `None` refuses them.
    pub bearer: Option<BearerCheck>,
    /// Callers with a ConfigMgr administrative role (lower case, `user@REALM` or
    /// `DOMAIN\user`); empty = every authenticated caller.
    pub administrators: Vec<String>,
}

/// Which scheme authenticated a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Kerberos through `Negotiate`.
    Kerberos,
    /// NTLM through `Negotiate` or `NTLM`.
    Ntlm,
    /// An Entra bearer token.
    Bearer,
}

/// Authentication state of one connection.
#[derive(Default)]
pub enum Connection {
    /// Nothing yet.
    #[default]
    Anonymous,
    /// NTLM challenge sent; waiting for the authenticate message.
    NtlmPending(Box<NtlmAcceptor>),
    /// Authenticated.
    Authenticated {
        /// The caller.
        principal: String,
        /// How.
        scheme: Scheme,
    },
}

/// An NTLM server context between challenge and authenticate.
pub struct NtlmAcceptor {
    ntlm: Ntlm,
    creds: Option<sspi::AuthIdentityBuffers>,
}

/// What the front end decides for one request.
pub enum Outcome {
    /// Go on as `principal`; `reply_header` is a `WWW-Authenticate` to add (mutual auth).
    Allowed {
        /// The caller.
        principal: String,
        /// How.
        scheme: Scheme,
        /// `WWW-Authenticate` for the response, if any.
        reply_header: Option<String>,
    },
    /// `401` with these `WWW-Authenticate` values.
    Challenge(Vec<String>),
}

/// Shared acceptor state: the replay cache of Kerberos authenticators.
#[derive(Default)]
pub struct Replays {
    seen: HashSet<[u8; 32]>,
}

impl Replays {
    /// True the first time this token is seen.
    fn first_use(&mut self, token: &[u8]) -> bool {
        self.seen.insert(Sha256::digest(token).into())
    }
}

/// What went on during authentication, for tests.
#[derive(Debug, Clone, Default)]
pub struct AuthCounts {
    /// Kerberos AP-REQs accepted.
    pub kerberos: usize,
    /// NTLM authentications completed.
    pub ntlm: usize,
    /// Negotiate/Bearer attempts refused.
    pub refused: usize,
}

/// Decides one request on a `Negotiate`-protected route.
pub fn negotiate(
    config: &AuthConfig,
    connection: &mut Connection,
    replays: &mut Replays,
    counts: &mut AuthCounts,
    authorization: Option<&str>,
) -> Outcome {
    let Some((scheme, token)) = authorization.and_then(split_header) else {
        return match connection {
            Connection::Authenticated { principal, scheme } => Outcome::Allowed {
                principal: principal.clone(),
                scheme: *scheme,
                reply_header: None,
            },
            _ => Outcome::Challenge(offered(config)),
        };
    };
    let offered_here = offered(config);
    if !offered_here.iter().any(|o| o.eq_ignore_ascii_case(&scheme)) {
        counts.refused += 1;
        return Outcome::Challenge(offered_here);
    }
    let Ok(token) = B64.decode(token.trim()) else {
        counts.refused += 1;
        return Outcome::Challenge(offered_here);
    };
    let header_scheme = if scheme.eq_ignore_ascii_case("NTLM") {
        "NTLM"
    } else {
        "Negotiate"
    };
    let outcome = if token.starts_with(b"NTLMSSP\0") {
        ntlm_step(config, connection, counts, &token, header_scheme)
    } else {
        kerberos_step(config, connection, replays, counts, &token)
    };
    if let Outcome::Challenge(_) = &outcome {
        if !matches!(connection, Connection::NtlmPending(_)) {
            counts.refused += 1;
        }
    }
    outcome
}

/// Decides one request on the bearer route.
pub fn bearer(
    config: &AuthConfig,
    counts: &mut AuthCounts,
    authorization: Option<&str>,
) -> Outcome {
    let challenge = || Outcome::Challenge(vec!["Bearer".to_string()]);
    let (Some(check), Some((scheme, token))) =
        (config.bearer.as_ref(), authorization.and_then(split_header))
    else {
        return challenge();
    };
    if !scheme.eq_ignore_ascii_case("Bearer") {
        counts.refused += 1;
        return challenge();
    }
    match check(token.trim()) {
        Ok(principal) => Outcome::Allowed {
            principal,
            scheme: Scheme::Bearer,
            reply_header: None,
        },
        Err(description) => {
            counts.refused += 1;
            let description = description.replace('"', "'");
            Outcome::Challenge(vec![format!(
                "Bearer error=\"invalid_token\", error_description=\"{description}\""
            )])
        }
    }
}

/// True when `principal` holds an administrative role on the site.
pub fn is_administrator(config: &AuthConfig, principal: &str) -> bool {
    config.administrators.is_empty()
        || config
            .administrators
            .iter()
            .any(|a| a.eq_ignore_ascii_case(principal))
}

fn split_header(value: &str) -> Option<(String, &str)> {
    let (scheme, token) = value.trim().split_once(' ')?;
    Some((scheme.to_string(), token))
}

/// The `WWW-Authenticate` schemes this provider offers.
fn offered(config: &AuthConfig) -> Vec<String> {
    let mut schemes = Vec::new();
    if config.kerberos.is_some() || !config.ntlm.is_empty() {
        schemes.push("Negotiate".to_string());
    }
    if !config.ntlm.is_empty() {
        schemes.push("NTLM".to_string());
    }
    schemes
}

fn kerberos_step(
    config: &AuthConfig,
    connection: &mut Connection,
    replays: &mut Replays,
    counts: &mut AuthCounts,
    token: &[u8],
) -> Outcome {
    let refuse = || Outcome::Challenge(offered(config));
    let Some(service) = config.kerberos.as_ref() else {
        return refuse();
    };
    if !replays.first_use(token) {
        return refuse();
    }
    match accept_kerberos(service, token) {
        Some((principal, ap_rep)) if is_known_realm_user(&principal) => {
            counts.kerberos += 1;
            *connection = Connection::Authenticated {
                principal: principal.clone(),
                scheme: Scheme::Kerberos,
            };
            Outcome::Allowed {
                principal,
                scheme: Scheme::Kerberos,
                reply_header: Some(format!("Negotiate {}", B64.encode(ap_rep))),
            }
        }
        _ => refuse(),
    }
}

fn is_known_realm_user(principal: &str) -> bool {
    principal.contains('@')
}

/// Runs the acceptor over one AP-REQ; the caller's principal and the AP-REP on success.
fn accept_kerberos(service: &KerberosService, token: &[u8]) -> Option<(String, Vec<u8>)> {
    // The KDC encrypts service tickets with the strongest key the service has (aes256).
    let key = service
        .keys
        .iter()
        .find(|k| k.enctype == AES256_CTS_HMAC_SHA1_96)
        .or_else(|| service.keys.first())?;
    let properties = sspi::kerberos::ServerProperties::new(
        &["HTTP", &service.host],
        None,
        MAX_CLOCK_SKEW,
        Some(key.key.clone().into()),
    )
    .ok()?;
    let config = KerberosConfig::new_with_kdc_url("tcp://127.0.0.1:1", "provider".into());
    let mut server = Kerberos::new_server_from_config(config, properties).ok()?;
    let mut creds = server
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Inbound)
        .execute(&mut server)
        .ok()?;
    let mut input = vec![SecurityBuffer::new(token.to_vec(), BufferType::Token)];
    let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let builder = server
        .accept_security_context()
        .with_credentials_handle(&mut creds.credentials_handle)
        .with_context_requirements(ServerRequestFlags::MUTUAL_AUTH)
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    let result = server
        .accept_security_context_impl(builder)
        .ok()?
        .resolve_with_client(&NoNetwork)
        .ok()?;
    if result.status != SecurityStatus::Ok {
        return None;
    }
    let names = server.query_context_names().ok()?;
    let principal = username_text(&names.username);
    Some((principal, output.swap_remove(0).buffer))
}

fn username_text(username: &Username) -> String {
    match username.parts() {
        sspi::UsernameParts::UserPrincipalName(upn) => {
            format!(
                "{}@{}",
                upn.account_name(),
                upn.suffix().to_ascii_uppercase()
            )
        }
        sspi::UsernameParts::DownLevelLogonName(dl) => match dl.netbios_domain() {
            Some(domain) => format!("{}\\{}", domain.to_ascii_uppercase(), dl.account_name()),
            None => dl.account_name().to_string(),
        },
    }
}

/// The acceptor never needs the KDC for an AP-REQ; any network request is refused.
struct NoNetwork;

impl sspi::network_client::NetworkClient for NoNetwork {
    fn send(&self, _: &sspi::generator::NetworkRequest) -> sspi::Result<Vec<u8>> {
        Err(sspi::Error::new(
            sspi::ErrorKind::NoAuthenticatingAuthority,
            "the provider does not contact the KDC",
        ))
    }
}

fn ntlm_step(
    config: &AuthConfig,
    connection: &mut Connection,
    counts: &mut AuthCounts,
    token: &[u8],
    header_scheme: &'static str,
) -> Outcome {
    let refuse = || Outcome::Challenge(offered(config));
    let Some(account) = config.ntlm.first() else {
        return refuse();
    };
    let message_type = token.get(8).copied().unwrap_or_default();
    match (message_type, std::mem::take(connection)) {
        (1, _) => match ntlm_challenge(account, token) {
            Some((acceptor, challenge)) => {
                *connection = Connection::NtlmPending(Box::new(acceptor));
                Outcome::Challenge(vec![format!("{header_scheme} {}", B64.encode(challenge))])
            }
            None => refuse(),
        },
        (3, Connection::NtlmPending(acceptor)) => match ntlm_finish(*acceptor, token) {
            Some(principal) => {
                counts.ntlm += 1;
                *connection = Connection::Authenticated {
                    principal: principal.clone(),
                    scheme: Scheme::Ntlm,
                };
                Outcome::Allowed {
                    principal,
                    scheme: Scheme::Ntlm,
                    reply_header: None,
                }
            }
            None => refuse(),
        },
        _ => refuse(),
    }
}

fn ntlm_accept(
    ntlm: &mut Ntlm,
    creds: &mut Option<sspi::AuthIdentityBuffers>,
    token: &[u8],
) -> Option<(SecurityStatus, Vec<u8>)> {
    let mut input = vec![SecurityBuffer::new(token.to_vec(), BufferType::Token)];
    let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let builder = ntlm
        .accept_security_context()
        .with_credentials_handle(creds)
        .with_context_requirements(ServerRequestFlags::ALLOCATE_MEMORY)
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    let result = ntlm
        .accept_security_context_impl(builder)
        .ok()?
        .resolve_to_result()
        .ok()?;
    if matches!(
        result.status,
        SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue
    ) {
        ntlm.complete_auth_token(&mut output).ok()?;
    }
    Some((result.status, output.swap_remove(0).buffer))
}

fn ntlm_challenge(account: &NtlmAccount, token: &[u8]) -> Option<(NtlmAcceptor, Vec<u8>)> {
    let mut ntlm = Ntlm::new();
    let identity = AuthIdentity {
        username: Username::new(&account.user, Some(&account.domain)).ok()?,
        password: account.password.clone().into(),
    };
    let mut creds = ntlm
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Inbound)
        .with_auth_data(&identity)
        .execute(&mut ntlm)
        .ok()?
        .credentials_handle;
    let (status, challenge) = ntlm_accept(&mut ntlm, &mut creds, token)?;
    (status == SecurityStatus::ContinueNeeded).then_some((NtlmAcceptor { ntlm, creds }, challenge))
}

fn ntlm_finish(mut acceptor: NtlmAcceptor, token: &[u8]) -> Option<String> {
    let (status, _) = ntlm_accept(&mut acceptor.ntlm, &mut acceptor.creds, token)?;
    if !matches!(status, SecurityStatus::Ok | SecurityStatus::CompleteNeeded) {
        return None;
    }
    let names = acceptor.ntlm.query_context_names().ok()?;
    Some(username_text(&names.username))
}
