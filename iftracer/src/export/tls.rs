//! rustls client configuration for `https://` OTLP/HTTP endpoints: the system's root
//! certificates plus an optional CA file, with the ring provider chosen explicitly so no
//! process-wide default provider is needed.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use crate::config::otlp::CaCertificate;
use crate::error::Error;

///
/// `system_roots` is off for plaintext endpoints, where the configuration is never used and
/// reading the system store would be wasted work.
pub(crate) fn client_config(
    system_roots: bool,
    ca: Option<&CaCertificate>,
) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    if system_roots {
        // Unreadable system certificates are skipped: a custom CA alone may be all it takes.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
    }
    if let Some(ca) = ca {
        let invalid = |reason: String| Error::CaCertificate {
            setting: ca.setting,
            path: ca.path.clone(),
            reason,
        };
        for cert in CertificateDer::pem_slice_iter(&ca.pem) {
            let cert = cert.map_err(|err| invalid(err.to_string()))?;
            roots.add(cert).map_err(|err| invalid(err.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::Exporter(format!("TLS setup failed: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
