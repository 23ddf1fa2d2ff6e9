//! `--insecure-skip-tls-verify`: TLS that accepts any server certificate, as etcdctl's flag.
//!
//! etcd-client's rustls support (through tonic) has no switch for this: tonic keeps custom
//! certificate verifiers to itself. So netsync opens the TLS connections itself (rustls with a
//! verifier that accepts every certificate but still checks the handshake signatures) and
//! hands tonic a channel over them. The traffic stays encrypted; the server is no longer
//! authenticated, so anyone on the path can read and change it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use etcd_client::{Channel, Client, ConnectOptions};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::etcd::ConnectSettings;
use super::{Error, Result};

/// Connect to `endpoints` (all `https://`) without verifying the servers' certificates.
pub(super) async fn connect(
    endpoints: &[String],
    settings: &ConnectSettings,
    options: ConnectOptions,
) -> Result<Client> {
    tracing::warn!("TLS certificate verification is OFF (--insecure-skip-tls-verify)");
    let config = client_config(settings)?;
    let mut targets = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        targets.push(target(endpoint)?);
    }
    // tonic refuses https:// without its own TLS; the connector below does TLS for it, and
    // the URI only names the first server in requests.
    let first = targets.first().ok_or_else(|| Error::BadEndpoint {
        endpoint: String::new(),
        reason: "no endpoints".to_owned(),
    })?;
    let uri = format!("http://{}", first.0);
    let endpoint = tonic::transport::Endpoint::from_shared(uri.clone())
        .map_err(|e| Error::BadEndpoint {
            endpoint: uri,
            reason: e.to_string(),
        })?
        .connect_timeout(settings.dial_timeout)
        .timeout(settings.command_timeout)
        .http2_keep_alive_interval(std::time::Duration::from_secs(10))
        .keep_alive_timeout(std::time::Duration::from_secs(5));
    let connector = Connector {
        tls: TlsConnector::from(Arc::new(config)),
        targets: Arc::new(targets),
    };
    let channel = endpoint.connect_with_connector_lazy(connector);
    Client::from_channel(Channel::Tonic(channel), Some(options))
        .await
        .map_err(|e| Error::Unreachable {
            endpoints: endpoints.join(","),
            reason: e.to_string(),
        })
}

/// `host:port` and the name to present in TLS (SNI), from an `https://` URL.
fn target(endpoint: &str) -> Result<(String, ServerName<'static>)> {
    let bad = |reason: &str| Error::BadEndpoint {
        endpoint: endpoint.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = endpoint
        .strip_prefix("https://")
        .ok_or_else(|| bad("--insecure-skip-tls-verify needs https:// endpoints"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => return Err(bad("expected host:port")),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned()).map_err(|_| bad("not a host name"))?;
    Ok((authority.to_owned(), name))
}

fn client_config(settings: &ConnectSettings) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)));
    let mut config = match &settings.identity {
        Some((cert, key)) => {
            let certs = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| tls_error(format!("client certificate {}: {e}", cert.display())))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| tls_error(format!("client key {}: {e}", key.display())))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| tls_error(e.to_string()))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

fn tls_error(reason: String) -> Error {
    Error::Unreachable {
        endpoints: "(TLS setup)".to_owned(),
        reason,
    }
}

/// Opens a TCP connection to the first server that answers, then TLS over it.
#[derive(Clone)]
struct Connector {
    tls: TlsConnector,
    targets: Arc<Vec<(String, ServerName<'static>)>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Uri> for Connector {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let mut last: BoxError = "no endpoints".into();
            for (address, name) in this.targets.iter() {
                let attempt = async {
                    let tcp = TcpStream::connect(address.as_str()).await?;
                    tcp.set_nodelay(true)?;
                    this.tls.connect(name.clone(), tcp).await
                };
                match attempt.await {
                    Ok(stream) => return Ok(TokioIo::new(stream)),
                    Err(e) => last = format!("{address}: {e}").into(),
                }
            }
            Err(last)
        })
    }
}

/// Accepts every certificate; still checks that the server holds the certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_https_urls() {
        let (address, name) = target("https://127.0.0.1:2379").unwrap();
        assert_eq!(address, "127.0.0.1:2379");
        assert!(matches!(name, ServerName::IpAddress(_)));
        let (address, _) = target("https://etcd-1.example:2379/").unwrap();
        assert_eq!(address, "etcd-1.example:2379");
        assert!(target("http://127.0.0.1:2379").is_err());
        assert!(target("https://127.0.0.1").is_err());
    }
}
