//! Which certificate the SMS Provider may present. A site without PKI binds a certificate
//! issued by its own "SMS Issuing" root; Microsoft's guidance is to trust that exported root
//! ("Set up the administration service": certificate requirements). CMAAD checks the provider's
//! certificate one of four ways, never silently skipping the check:
//!
//! - the system's roots (a PKI certificate);
//! - the system's roots plus `TrustedCaPath` (the exported SMS Issuing root, PEM);
//! - `CertificateThumbprint`: the SHA-256 of the provider's certificate (DER), pinned; the
//!   chain and name are then not consulted, the handshake signature still is;
//! - `SkipCertificateCheck` (PowerShell's own name for it), only when asked: every TLS
//!   handshake then adds a warning to the session's warnings.

use crate::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// How the provider's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// System roots, plus these extra roots (PEM) when given.
    Roots(Option<Vec<u8>>),
    /// The provider certificate's SHA-256, 32 bytes.
    Pin([u8; 32]),
    /// No check (with a warning on every connection).
    Skip,
}

impl Trust {
    /// Parses `CertificateThumbprint`: 64 hex digits (spaces and colons allowed).
    ///
    /// # Errors
    /// `InvalidArgument` naming `Site.CertificateThumbprint` when it is not a SHA-256 in hex.
    pub fn pin(text: &str) -> Result<Trust> {
        let hex: String = text.chars().filter(|c| !matches!(c, ' ' | ':')).collect();
        let bad = || {
            Error::invalid(
                "Site.CertificateThumbprint",
                "InvalidThumbprint",
                format!("CertificateThumbprint '{text}' is not a SHA-256 thumbprint: give the 64 hex digits of the provider certificate's SHA-256 (Get-FileHash on the exported .cer, or certutil -hashfile provider.cer SHA256)."),
            )
        };
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut pin = [0u8; 32];
        for (i, byte) in pin.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Trust::Pin(pin))
    }
}

/// Warnings raised while connecting (certificate check skipped), drained into result documents.
pub type Warnings = Arc<Mutex<Vec<String>>>;

/// The rustls configuration for the provider: the chosen check, TLS 1.2+, HTTP/1.1 (Negotiate
/// authenticates a connection, which HTTP/2 multiplexing would break).
///
/// # Errors
/// `InvalidArgument` when the extra roots are not usable certificates.
pub fn client_config(trust: &Trust, warnings: &Warnings) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match trust {
        Trust::Roots(extra) => {
            let extra = match extra {
                Some(pem) => {
                    crate::runtime::trusted_roots(pem)?;
                    CertificateDer::pem_slice_iter(pem)
                        .filter_map(|c| c.ok())
                        .collect()
                }
                None => Vec::new(),
            };
            Arc::new(
                rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
                    .map_err(|e| {
                    Error::internal(format!(
                        "The system's certificate store could not be read: {e}."
                    ))
                })?,
            )
        }
        Trust::Pin(pin) => Arc::new(ProviderCertificate {
            check: Check::Pin(*pin),
            provider: provider.clone(),
        }),
        Trust::Skip => Arc::new(ProviderCertificate {
            check: Check::Skip(warnings.clone()),
            provider: provider.clone(),
        }),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS could not be configured: {e}.")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The check behind a pin or a skip; the handshake signature is verified either way.
#[derive(Debug)]
enum Check {
    /// Exactly the certificate with this SHA-256.
    Pin([u8; 32]),
    /// Any certificate, with a warning per handshake.
    Skip(Warnings),
}

#[derive(Debug)]
struct ProviderCertificate {
    check: Check,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ProviderCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let digest: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        match &self.check {
            Check::Pin(pin) if digest == *pin => Ok(ServerCertVerified::assertion()),
            Check::Pin(_) => Err(rustls::Error::General(
                "the provider's certificate does not match CertificateThumbprint".into(),
            )),
            Check::Skip(warnings) => {
                let thumbprint: String = digest.iter().map(|b| format!("{b:02X}")).collect();
                let warning = format!("SkipCertificateCheck: the certificate of {} was not checked (SHA-256 {thumbprint}); anyone on the network path could have answered. Trust the site's exported SMS Issuing root with TrustedCaPath, or pin this thumbprint with CertificateThumbprint after checking it on the provider.", server_name.to_str());
                warnings
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(warning);
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
