//! Windows integrated authentication (HTTP `Negotiate`, RFC 4559) to the SMS Provider, with an
//! explicit credential: Kerberos for the service `HTTP/<provider host>` (the path ConfigMgr 2509
//! and later require), NTLM only where the admin allowed it and the provider offers it.
//!
//! Kerberos and NTLM come from Devolutions' `sspi` crate. A Kerberos exchange costs the KDC's
//! AS and TGS round trips and one AP-REQ; the provider authenticates the *connection*, so a
//! session that keeps its connection alive authenticates once. The provider's AP-REP is checked
//! (mutual authentication): a server that cannot decrypt the ticket is not the provider.

use crate::error::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Kerberos,
    KerberosConfig, Ntlm, SecurityBuffer, SecurityStatus, Sspi, SspiImpl, Username,
};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use zeroize::Zeroizing;

/// How long one KDC exchange may take (MIT's default is 1 s per try, 3 tries; Windows 5 s).
const KDC_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest KDC reply accepted (Windows' default maximum token size is 48,000 bytes).
const MAX_KDC_REPLY: usize = 65_536;

/// An account for `Negotiate`: `user@REALM` (Kerberos) or `DOMAIN\user` (NTLM, or Kerberos
/// with the NetBIOS domain as realm), and its password, zeroized on drop.
pub struct SiteCredential {
    user: String,
    password: Zeroizing<String>,
}

impl std::fmt::Debug for SiteCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SiteCredential({}, <password>)", self.user)
    }
}

impl SiteCredential {
    /// A credential; the user name is checked, the password kept in zeroizing memory.
    ///
    /// # Errors
    /// `InvalidArgument` (`Site.UserName`) when the name is neither `user@REALM` nor
    /// `DOMAIN\user`.
    pub fn new(user: &str, password: Zeroizing<String>) -> Result<SiteCredential> {
        let user = user.trim().to_string();
        let (account, domain) = split_user(&user)?;
        if account.is_empty() || domain.is_empty() {
            return Err(bad_user(&user));
        }
        Ok(SiteCredential { user, password })
    }

    /// The user name as given.
    pub fn user(&self) -> &str {
        &self.user
    }

    fn identity(&self) -> Result<AuthIdentity> {
        let (account, domain) = split_user(&self.user)?;
        Ok(AuthIdentity {
            username: Username::new(account, Some(&domain.to_ascii_uppercase()))
                .map_err(|_| bad_user(&self.user))?,
            password: self.password.as_str().to_string().into(),
        })
    }
}

fn split_user(user: &str) -> Result<(&str, &str)> {
    if let Some((domain, account)) = user.split_once('\\') {
        return Ok((account, domain));
    }
    user.rsplit_once('@').ok_or_else(|| bad_user(user))
}

fn bad_user(user: &str) -> Error {
    Error::invalid(
        "Site.UserName",
        "InvalidUserName",
        format!("Site.UserName '{user}' is not an account name: give it as user@CONTOSO.COM (Kerberos realm) or CONTOSO\\user."),
    )
}

/// Where the KDC is: `host:port` given by the caller, or found the way MIT and Windows find it
/// (`SSPI_KDC_URL`, the `kdc` of the realm in `krb5.conf`, the Windows registry, DNS SRV).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KdcLocation(pub Option<String>);

/// A Kerberos client context for one AP-REQ and its AP-REP.
pub struct KerberosExchange {
    client: Kerberos,
    creds: Option<sspi::CredentialsBuffers>,
    target: String,
}

impl KerberosExchange {
    /// Gets a service ticket for `HTTP/<host>` from the KDC and returns the exchange and the
    /// AP-REQ to send (`Authorization: Negotiate <base64>`).
    ///
    /// # Errors
    /// `Network` `KdcUnreachable` when the KDC cannot be reached; `InvalidArgument`
    /// `SiteLogonFailed` when the KDC refuses the account, password or service name.
    pub fn begin(
        credential: &SiteCredential,
        kdc: &KdcLocation,
        host: &str,
    ) -> Result<(KerberosExchange, Vec<u8>)> {
        let config = match &kdc.0 {
            Some(address) => KerberosConfig::new_with_kdc_url(address, client_name()),
            None => KerberosConfig {
                kdc_resolution: sspi::KdcResolution::KdcUrl(None),
                client_computer_name: client_name(),
            },
        };
        let mut client = Kerberos::new_client_from_config(config).map_err(|e| logon_failed(&e))?;
        let identity = credential.identity()?;
        let creds = client
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity.into())
            .execute(&mut client)
            .map_err(|e| logon_failed(&e))?
            .credentials_handle;
        let mut exchange = KerberosExchange {
            client,
            creds,
            target: format!("HTTP/{host}"),
        };
        let (_, token) = exchange.step(Vec::new())?;
        Ok((exchange, token))
    }

    /// Checks the provider's AP-REP (mutual authentication).
    ///
    /// # Errors
    /// `Network` `SiteNotAuthenticated` when the answer does not prove the provider holds the
    /// service key.
    pub fn finish(mut self, ap_rep: &[u8]) -> Result<()> {
        match self.step(ap_rep.to_vec()) {
            Ok((SecurityStatus::Ok, _)) => Ok(()),
            _ => Err(Error::new(
                crate::error::Status::Network,
                "SiteNotAuthenticated",
                "The SMS Provider's Kerberos answer (AP-REP) does not check out: the server that answered is not the provider the ticket was issued for. Check ProviderMachineName and DNS.",
            )),
        }
    }

    fn step(&mut self, input: Vec<u8>) -> Result<(SecurityStatus, Vec<u8>)> {
        let mut input = vec![SecurityBuffer::new(input, BufferType::Token)];
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let target = self.target.clone();
        let mut builder = self
            .client
            .initialize_security_context()
            .with_credentials_handle(&mut self.creds)
            .with_context_requirements(ClientRequestFlags::MUTUAL_AUTH)
            .with_target_data_representation(DataRepresentation::Native)
            .with_target_name(&target)
            .with_input(&mut input)
            .with_output(&mut output);
        let result = self
            .client
            .initialize_security_context_impl(&mut builder)
            .map_err(|e| logon_failed(&e))?
            .resolve_with_client(&KdcOverTcp)
            .map_err(|e| logon_failed(&e))?;
        Ok((result.status, output.swap_remove(0).buffer))
    }
}

/// An NTLM client context across negotiate, challenge and authenticate.
pub struct NtlmExchange {
    ntlm: Ntlm,
    creds: Option<sspi::AuthIdentityBuffers>,
}

impl NtlmExchange {
    /// The NTLM negotiate message.
    ///
    /// # Errors
    /// `InvalidArgument` `SiteLogonFailed` when the credential is unusable.
    pub fn begin(credential: &SiteCredential) -> Result<(NtlmExchange, Vec<u8>)> {
        let mut ntlm = Ntlm::new();
        let identity = credential.identity()?;
        let creds = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .map_err(|e| logon_failed(&e))?
            .credentials_handle;
        let mut exchange = NtlmExchange { ntlm, creds };
        let token = exchange.step(Vec::new())?;
        Ok((exchange, token))
    }

    /// The authenticate message answering the provider's challenge.
    ///
    /// # Errors
    /// `InvalidArgument` `SiteLogonFailed` when the challenge cannot be answered.
    pub fn answer(mut self, challenge: &[u8]) -> Result<Vec<u8>> {
        self.step(challenge.to_vec())
    }

    fn step(&mut self, input: Vec<u8>) -> Result<Vec<u8>> {
        let mut input = vec![SecurityBuffer::new(input, BufferType::Token)];
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut builder = self
            .ntlm
            .initialize_security_context()
            .with_credentials_handle(&mut self.creds)
            .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut input)
            .with_output(&mut output);
        self.ntlm
            .initialize_security_context_impl(&mut builder)
            .map_err(|e| logon_failed(&e))?
            .resolve_to_result()
            .map_err(|e| logon_failed(&e))?;
        Ok(output.swap_remove(0).buffer)
    }
}

/// The token of a `WWW-Authenticate: <scheme> <base64>` header, if it has one.
pub fn challenge_token(header: &str, scheme: &str) -> Option<Vec<u8>> {
    let (name, token) = header.trim().split_once(' ')?;
    if !name.eq_ignore_ascii_case(scheme) {
        return None;
    }
    B64.decode(token.trim()).ok()
}

/// `<scheme> <base64 token>` for an `Authorization` header.
pub fn authorization(scheme: &str, token: &[u8]) -> String {
    format!("{scheme} {}", B64.encode(token))
}

fn client_name() -> String {
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "cmaad".to_string())
}

/// sspi's error text names what failed (e.g. `CLIENT_NOT_FOUND`, `PREAUTH_FAILED`) and never
/// the password.
fn logon_failed(e: &sspi::Error) -> Error {
    let unreachable = e.error_type == sspi::ErrorKind::NoAuthenticatingAuthority;
    if unreachable {
        return Error::new(
            crate::error::Status::Network,
            "KdcUnreachable",
            format!("No Kerberos KDC could be reached ({}): give Site.KdcAddress (a domain controller, dc01.contoso.com:88), or check that this machine can reach the domain's KDC.", e.description),
        );
    }
    // The KDC's error text may end with its raw e-data (ASN.1 in hex), which helps nobody.
    let reason = e
        .description
        .split("Additional error data")
        .next()
        .unwrap_or_default()
        .trim_end_matches([' ', '.', ',', ':']);
    let hint = if reason.contains("PREAUTH_FAILED") {
        "the KDC refused the password: check it (and that the account is not locked out)"
    } else if reason.contains("CLIENT_NOT_FOUND") || reason.contains("C_PRINCIPAL_UNKNOWN") {
        "the KDC does not know the user: check the user name and its realm (user@CONTOSO.COM)"
    } else {
        "check the user name, the password and that the provider's SPN HTTP/<ProviderMachineName> exists"
    };
    Error::invalid(
        "Site.UserName",
        "SiteLogonFailed",
        format!(
            "Kerberos/NTLM logon to the SMS Provider failed ({:?}: {reason}): {hint}.",
            e.error_type
        ),
    )
}

/// Sends KDC messages over TCP (RFC 4120 §7.2.2: a 4-byte length before each message; sspi's
/// requests carry it already and expect it back).
struct KdcOverTcp;

impl sspi::network_client::NetworkClient for KdcOverTcp {
    fn send(&self, request: &sspi::generator::NetworkRequest) -> sspi::Result<Vec<u8>> {
        let fail = |what: &str| {
            sspi::Error::new(
                sspi::ErrorKind::NoAuthenticatingAuthority,
                format!("KDC {}: {what}", request.url),
            )
        };
        if request.protocol != sspi::NetworkProtocol::Tcp {
            return Err(fail("only tcp:// KDC addresses are supported"));
        }
        let host = request.url.host_str().unwrap_or_default();
        let port = request.url.port().unwrap_or(88);
        let address = (host, port)
            .to_socket_addrs()
            .map_err(|e| fail(&e.to_string()))?
            .next()
            .ok_or_else(|| fail("no address"))?;
        let mut stream =
            TcpStream::connect_timeout(&address, KDC_TIMEOUT).map_err(|e| fail(&e.to_string()))?;
        let io = |e: std::io::Error| fail(&e.to_string());
        stream.set_read_timeout(Some(KDC_TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(KDC_TIMEOUT)).map_err(io)?;
        stream.write_all(&request.data).map_err(io)?;
        let mut length = [0u8; 4];
        stream.read_exact(&mut length).map_err(io)?;
        let size = u32::from_be_bytes(length) as usize;
        if size > MAX_KDC_REPLY {
            return Err(fail("reply too large"));
        }
        let mut reply = length.to_vec();
        reply.resize(4 + size, 0);
        stream.read_exact(&mut reply[4..]).map_err(io)?;
        Ok(reply)
    }
}
