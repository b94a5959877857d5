//! The fake provider's acceptor against the real MIT KDC: a ticket the KDC issued for
//! `HTTP/localhost` authenticates the connection and gets an AP-REP back; a replayed AP-REQ,
//! a ticket for another service and a wrong password are refused; NTLM works only where the
//! site allows it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cmaad_fake_adminservice::auth::{
    self, AuthConfig, AuthCounts, Connection, KerberosService, NtlmAccount, Outcome, Replays,
};
use cmaad_fake_adminservice::kdc::Realm;
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Kerberos,
    KerberosConfig, Ntlm, SecurityBuffer, Sspi, SspiImpl, Username,
};
use std::io::{Read, Write};
use std::time::Duration;

/// Sends a KDC request over TCP (RFC 4120 §7.2.2: 4-byte length prefix both ways).
struct KdcTcp;

impl sspi::network_client::NetworkClient for KdcTcp {
    fn send(&self, request: &sspi::generator::NetworkRequest) -> sspi::Result<Vec<u8>> {
        let fail = |e: std::io::Error| {
            sspi::Error::new(sspi::ErrorKind::NoAuthenticatingAuthority, e.to_string())
        };
        let host = request.url.host_str().unwrap_or_default();
        let mut stream =
            std::net::TcpStream::connect((host, request.url.port().unwrap_or(88))).map_err(fail)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(fail)?;
        stream.write_all(&request.data).map_err(fail)?;
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).map_err(fail)?;
        let mut reply = len.to_vec();
        reply.resize(4 + u32::from_be_bytes(len) as usize, 0);
        stream.read_exact(&mut reply[4..]).map_err(fail)?;
        Ok(reply)
    }
}

/// An AP-REQ for `HTTP/<host>` from `user`/`password` through the realm's KDC.
fn ap_req(realm: &Realm, user: &str, password: &str, host: &str) -> sspi::Result<Vec<u8>> {
    let config = KerberosConfig::new_with_kdc_url(&realm.kdc_url(), "client".into());
    let mut client = Kerberos::new_client_from_config(config)?;
    let identity = AuthIdentity {
        username: Username::new(user, Some(cmaad_fake_adminservice::kdc::REALM))?,
        password: password.to_string().into(),
    };
    let mut creds = client
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Outbound)
        .with_auth_data(&identity.into())
        .execute(&mut client)?;
    let mut input = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let target = format!("HTTP/{host}");
    let mut builder = client
        .initialize_security_context()
        .with_credentials_handle(&mut creds.credentials_handle)
        .with_context_requirements(ClientRequestFlags::MUTUAL_AUTH)
        .with_target_data_representation(DataRepresentation::Native)
        .with_target_name(&target)
        .with_input(&mut input)
        .with_output(&mut output);
    client
        .initialize_security_context_impl(&mut builder)?
        .resolve_with_client(&KdcTcp)?;
    Ok(output.swap_remove(0).buffer)
}

fn kerberos_config(realm: &Realm) -> AuthConfig {
    AuthConfig {
        kerberos: Some(KerberosService {
            host: "localhost".into(),
            keys: realm.service_keys().to_vec(),
        }),
        ..Default::default()
    }
}

fn decide(
    config: &AuthConfig,
    conn: &mut Connection,
    replays: &mut Replays,
    counts: &mut AuthCounts,
    header: Option<String>,
) -> Outcome {
    auth::negotiate(config, conn, replays, counts, header.as_deref())
}

#[test]
fn kdc_tickets_authenticate_the_connection_once() {
    let realm = Realm::start("cmadmin", "Pa55-word!", "localhost").expect("start the MIT KDC");
    let config = kerberos_config(&realm);
    let (mut conn, mut replays, mut counts) = (
        Connection::default(),
        Replays::default(),
        AuthCounts::default(),
    );

    let anonymous = decide(&config, &mut conn, &mut replays, &mut counts, None);
    assert!(
        matches!(&anonymous, Outcome::Challenge(s) if s == &vec!["Negotiate".to_string()]),
        "NTLM is not offered since 2509"
    );

    let token = ap_req(&realm, "cmadmin", "Pa55-word!", "localhost").expect("ticket from the KDC");
    let header = format!("Negotiate {}", B64.encode(&token));
    match decide(
        &config,
        &mut conn,
        &mut replays,
        &mut counts,
        Some(header.clone()),
    ) {
        Outcome::Allowed {
            principal,
            reply_header,
            ..
        } => {
            assert_eq!(principal, "cmadmin@TEST.CMAAD");
            assert!(
                reply_header.is_some_and(|h| h.starts_with("Negotiate ")),
                "AP-REP for mutual authentication"
            );
        }
        Outcome::Challenge(_) => panic!("a valid ticket was refused"),
    }
    // The connection stays authenticated without a header, as with HTTP.sys.
    assert!(matches!(
        decide(&config, &mut conn, &mut replays, &mut counts, None),
        Outcome::Allowed { .. }
    ));
    assert_eq!(counts.kerberos, 1);

    // The same AP-REQ on a new connection is a replay.
    let mut other = Connection::default();
    assert!(matches!(
        decide(&config, &mut other, &mut replays, &mut counts, Some(header)),
        Outcome::Challenge(_)
    ));
}

#[test]
fn wrong_service_wrong_password_and_ntlm_are_refused() {
    let realm = Realm::start("cmadmin", "Pa55-word!", "localhost").expect("start the MIT KDC");
    assert!(
        ap_req(&realm, "cmadmin", "not-the-password", "localhost").is_err(),
        "the KDC refuses a wrong password"
    );

    // A provider whose key is not the one the KDC issued the ticket for.
    let mut config = kerberos_config(&realm);
    if let Some(k) = config.kerberos.as_mut() {
        for key in &mut k.keys {
            key.key.iter_mut().for_each(|b| *b ^= 0x5a);
        }
    }
    let token = ap_req(&realm, "cmadmin", "Pa55-word!", "localhost").expect("ticket");
    let (mut conn, mut replays, mut counts) = (
        Connection::default(),
        Replays::default(),
        AuthCounts::default(),
    );
    let outcome = decide(
        &config,
        &mut conn,
        &mut replays,
        &mut counts,
        Some(format!("Negotiate {}", B64.encode(token))),
    );
    assert!(matches!(outcome, Outcome::Challenge(_)));
    assert_eq!(counts.refused, 1);

    // NTLM against a 2509+ provider: refused.
    let negotiate = ntlm_negotiate_message();
    let outcome = decide(
        &kerberos_config(&realm),
        &mut Connection::default(),
        &mut replays,
        &mut counts,
        Some(format!("Negotiate {}", B64.encode(negotiate))),
    );
    assert!(matches!(outcome, Outcome::Challenge(_)));
}

fn ntlm_negotiate_message() -> Vec<u8> {
    let mut ntlm = Ntlm::new();
    let identity = AuthIdentity {
        username: Username::new("cmadmin", Some("CONTOSO")).unwrap(),
        password: "x".to_string().into(),
    };
    ntlm_client_step(&mut ntlm, &identity, Vec::new()).0
}

fn ntlm_client_step(
    ntlm: &mut Ntlm,
    identity: &AuthIdentity,
    input: Vec<u8>,
) -> (Vec<u8>, sspi::SecurityStatus) {
    let mut creds = ntlm
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Outbound)
        .with_auth_data(identity)
        .execute(ntlm)
        .unwrap()
        .credentials_handle;
    let mut input = vec![SecurityBuffer::new(input, BufferType::Token)];
    let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut builder = ntlm
        .initialize_security_context()
        .with_credentials_handle(&mut creds)
        .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
        .with_target_data_representation(DataRepresentation::Native)
        .with_target_name("HTTP/localhost")
        .with_input(&mut input)
        .with_output(&mut output);
    let result = ntlm
        .initialize_security_context_impl(&mut builder)
        .unwrap()
        .resolve_to_result()
        .unwrap();
    (output.swap_remove(0).buffer, result.status)
}

#[test]
fn ntlm_works_where_the_site_allows_it() {
    let account = NtlmAccount {
        domain: "CONTOSO".into(),
        user: "cmadmin".into(),
        password: "Pa55-word!".into(),
    };
    let config = AuthConfig {
        ntlm: vec![account],
        ..Default::default()
    };
    for (password, accepted) in [("Pa55-word!", true), ("wrong", false)] {
        let (mut conn, mut replays, mut counts) = (
            Connection::default(),
            Replays::default(),
            AuthCounts::default(),
        );
        let mut ntlm = Ntlm::new();
        let identity = AuthIdentity {
            username: Username::new("cmadmin", Some("CONTOSO")).unwrap(),
            password: password.to_string().into(),
        };
        let (negotiate, _) = ntlm_client_step(&mut ntlm, &identity, Vec::new());
        let challenge = match decide(
            &config,
            &mut conn,
            &mut replays,
            &mut counts,
            Some(format!("NTLM {}", B64.encode(negotiate))),
        ) {
            Outcome::Challenge(h) => B64.decode(h[0].trim_start_matches("NTLM ")).unwrap(),
            Outcome::Allowed { .. } => panic!("NTLM needs a challenge first"),
        };
        let (authenticate, _) = ntlm_client_step(&mut ntlm, &identity, challenge);
        let outcome = decide(
            &config,
            &mut conn,
            &mut replays,
            &mut counts,
            Some(format!("NTLM {}", B64.encode(authenticate))),
        );
        match outcome {
            Outcome::Allowed { principal, .. } => {
                assert!(accepted, "a wrong NTLM password was accepted");
                assert_eq!(principal, "CONTOSO\\cmadmin");
            }
            Outcome::Challenge(_) => assert!(!accepted, "the right NTLM password was refused"),
        }
    }
}
