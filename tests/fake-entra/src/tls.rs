//! https for the fake: a throw-away test CA and a server certificate for 127.0.0.1/localhost
//! signed by it (rustls refuses a bare self-signed server certificate).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// The CA clients must trust, and the acceptor serving the CA-signed certificate.
pub struct TlsMaterial {
    /// The test CA certificate, PEM.
    pub ca_pem: String,
    /// The server certificate, DER (what a thumbprint pin hashes).
    pub leaf_der: Vec<u8>,
    /// Accepts TLS connections with the server certificate.
    pub acceptor: TlsAcceptor,
}

/// Makes a fresh CA and server certificate and the TLS acceptor for them.
pub fn generate() -> Result<TlsMaterial, String> {
    generate_named("CMAAD fake-entra test CA", "127.0.0.1")
}

/// [`generate`] with the CA's and the server certificate's common names (a fake SMS Provider
/// names its CA "SMS Issuing", as a site does).
pub fn generate_named(ca_name: &str, leaf_name: &str) -> Result<TlsMaterial, String> {
    let err = |e: &dyn std::fmt::Display| format!("test certificate: {e}");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(|e| err(&e))?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| err(&e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| err(&e))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, leaf_name);
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(|e| err(&e))?;
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| err(&e))?;

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| err(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        leaf_der: leaf_cert.der().to_vec(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
