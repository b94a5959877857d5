//! The provider's certificate as a site without PKI has it: a site root ("SMS Issuing", the
//! one an admin exports and trusts) and a provider certificate for `localhost`/`127.0.0.1`
//! signed by it (rustls refuses a bare self-signed server certificate).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// The root to trust, the provider certificate's SHA-256, and the acceptor.
pub struct TlsMaterial {
    /// The "SMS Issuing" root, PEM.
    pub root_pem: String,
    /// SHA-256 of the provider certificate (DER), upper-case hex: what a thumbprint pin names.
    pub leaf_sha256: String,
    /// Accepts TLS connections with the provider certificate.
    pub acceptor: TlsAcceptor,
}

/// Makes a fresh root and provider certificate and the TLS acceptor for them.
pub fn generate() -> Result<TlsMaterial, String> {
    let err = |e: &dyn std::fmt::Display| format!("test certificate: {e}");
    let mut root_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err(&e))?;
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(DnType::CommonName, "SMS Issuing");
    root_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let root_key = KeyPair::generate().map_err(|e| err(&e))?;
    let root_cert = root_params.self_signed(&root_key).map_err(|e| err(&e))?;
    let issuer = Issuer::new(root_params, root_key);

    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| err(&e))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "SMS Role SSL Certificate");
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
    let leaf_sha256 = Sha256::digest(leaf_cert.der())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
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
        root_pem: root_cert.pem(),
        leaf_sha256,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
