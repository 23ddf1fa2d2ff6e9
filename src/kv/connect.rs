//! One way to reach etcd in every mode: plain, TLS, mutual TLS, user/password and
//! `--insecure-skip-tls-verify` alike.
//!
//! netsync opens the connections itself and hands tonic a single channel over them, instead
//! of etcd-client's balanced channel, which fails a request whenever one endpoint refuses
//! connections (etcdv3/etcd-client#39) and so makes the secure setup the least available one.
//! Each (re)connection tries the endpoints in turn, starting with the one that answered last,
//! and takes the first that proves alive within the dial timeout: the TLS handshake proves it
//! for `https://`, an HTTP/2 exchange on a probe connection for `http://` (a stopped process
//! still accepts TCP connections in the kernel's backlog, and would hang every request). A
//! member that dies mid-run breaks the connection; the next request reconnects to another,
//! and the caller's retry makes the request again when it is safe to.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use etcd_client::{Channel, Client, ConnectOptions};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::etcd::ConnectSettings;
use super::{Error, Result};

/// What an HTTP/2 client sends first: the connection preface and an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// How to open a client on the cluster, again whenever the one in use stops answering.
#[derive(Clone)]
pub(super) struct Dialer {
    endpoint: tonic::transport::Endpoint,
    connector: Connector,
    options: ConnectOptions,
}

impl Dialer {
    /// For `endpoints` (`http://` or `https://` URLs, as normalised by the caller); fails on a
    /// bad endpoint or TLS file, before anything is dialled.
    pub(super) fn new(
        endpoints: &[String],
        settings: &ConnectSettings,
        options: ConnectOptions,
    ) -> Result<Self> {
        // The command line warns about --insecure-skip-tls-verify, once per run.
        if settings.insecure_skip_tls_verify {
            tracing::debug!("TLS certificate verification is OFF (--insecure-skip-tls-verify)");
        }
        let mut targets = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            targets.push(Target::parse(endpoint)?);
        }
        let tls = match targets.iter().any(|t| t.name.is_some()) {
            true => Some(TlsConnector::from(Arc::new(client_config(settings)?))),
            false => None,
        };
        // tonic needs one URI; the connector below picks the server, and the URI only names
        // the first in requests (`:authority`).
        let first = targets.first().ok_or_else(|| Error::BadEndpoint {
            endpoint: String::new(),
            reason: "no endpoints".to_owned(),
        })?;
        let uri = format!("http://{}", first.address);
        let endpoint = tonic::transport::Endpoint::from_shared(uri.clone())
            .map_err(|e| Error::BadEndpoint {
                endpoint: uri,
                reason: e.to_string(),
            })?
            .timeout(settings.command_timeout)
            .http2_keep_alive_interval(Duration::from_secs(10))
            .keep_alive_timeout(Duration::from_secs(5));
        let connector = Connector {
            tls,
            targets: Arc::new(targets),
            next: Arc::new(AtomicUsize::new(0)),
            dial_timeout: settings.dial_timeout,
            opened: Arc::new(AtomicBool::new(false)),
            facts: Arc::new(Facts {
                cacert: settings.cacert.clone(),
                client_cert: settings.identity.as_ref().map(|(cert, _)| cert.clone()),
            }),
        };
        Ok(Self {
            endpoint,
            connector,
            options,
        })
    }

    /// A client on a new connection, dialled at its first request (and authenticated, with
    /// a user). `past_current`: start with the member after the one the last connection
    /// used, which stopped answering. The error is the client's own, for the caller to name.
    pub(super) async fn client(&self, past_current: bool) -> Result<Client, etcd_client::Error> {
        if past_current {
            let n = self.connector.targets.len();
            let _ = self
                .connector
                .next
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |i| Some((i + 1) % n));
        }
        let channel = self
            .endpoint
            .clone()
            .connect_with_connector_lazy(self.connector.clone());
        Client::from_channel(Channel::Tonic(channel), Some(self.options.clone())).await
    }

    /// The same dialer for requests that must fail on a member without a leader: a watch on
    /// a member cut off from the quorum is cancelled instead of going quiet.
    pub(super) fn requiring_leader(&self) -> Self {
        let mut dialer = self.clone();
        dialer.options = dialer.options.with_require_leader(true);
        dialer
    }

    /// Why the servers turned the connection down after accepting it, one line per endpoint,
    /// or `None` when none says more than the failed request did. A TLS 1.3 server refuses a
    /// missing or untrusted client certificate only after the handshake, in an alert the
    /// HTTP/2 layer reports as a broken pipe; a probe that speaks first reads the alert.
    pub(super) async fn diagnose(&self) -> Option<String> {
        // No connection was ever opened: the connector's own failures say it all, and a
        // second round of probes would cost a hung member's dial timeout again.
        if !self.connector.opened.load(Ordering::Relaxed) {
            return None;
        }
        let mut lines = Vec::new();
        for target in self.connector.targets.iter() {
            let probe = self.connector.open_probe(target);
            if let Ok(Err(e)) = tokio::time::timeout(self.connector.dial_timeout, probe).await {
                lines.push(format!("{}: {e}", target.address));
            }
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

/// One endpoint: `host:port`, and the name to present in TLS (SNI) for `https://`.
#[derive(Debug)]
struct Target {
    address: String,
    name: Option<ServerName<'static>>,
}

impl Target {
    fn parse(endpoint: &str) -> Result<Self> {
        let bad = |reason: &str| Error::BadEndpoint {
            endpoint: endpoint.to_owned(),
            reason: reason.to_owned(),
        };
        let (rest, tls) = match (
            endpoint.strip_prefix("https://"),
            endpoint.strip_prefix("http://"),
        ) {
            (Some(rest), _) => (rest, true),
            (None, Some(rest)) => (rest, false),
            (None, None) => return Err(bad("expected http:// or https://")),
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.parse::<u16>().is_ok() => host,
            _ => return Err(bad("expected host:port")),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = match tls {
            true => {
                Some(ServerName::try_from(host.to_owned()).map_err(|_| bad("not a host name"))?)
            }
            false => None,
        };
        Ok(Self {
            address: authority.to_owned(),
            name,
        })
    }
}

/// rustls settings: the servers verified against `--cacert` (or the system's roots), or not
/// at all with `--insecure-skip-tls-verify`; the client certificate when given.
fn client_config(settings: &ConnectSettings) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?;
    let builder = match (settings.insecure_skip_tls_verify, &settings.cacert) {
        (true, _) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider))),
        (false, Some(path)) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates("CA bundle", path)? {
                roots
                    .add(cert)
                    .map_err(|e| not_pem("CA bundle", path, &e.to_string()))?;
            }
            builder.with_root_certificates(roots)
        }
        (false, None) => {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            builder.with_root_certificates(roots)
        }
    };
    let mut config = match &settings.identity {
        Some((cert, key)) => {
            let certs = certificates("client certificate", cert)?;
            let pem = read("client key", key)?;
            let private = PrivateKeyDer::from_pem_slice(&pem)
                .map_err(|e| not_pem("client key", key, &e.to_string()))?;
            builder
                .with_client_auth_cert(certs, private)
                .map_err(|e| match e {
                    rustls::Error::InconsistentKeys(_) => Error::TlsKeyMismatch {
                        key: key.clone(),
                        cert: cert.clone(),
                    },
                    other => not_pem("client key", key, &other.to_string()),
                })?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::TlsFile {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Every certificate of a PEM file; none at all is an error naming the file.
fn certificates(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read(what, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(what, path, &e.to_string()))?;
    if certs.is_empty() {
        return Err(not_pem(what, path, "no certificate in it"));
    }
    Ok(certs)
}

fn not_pem(what: &'static str, path: &Path, reason: &str) -> Error {
    Error::TlsPem {
        what,
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

fn tls_error(reason: String) -> Error {
    Error::Unreachable {
        endpoints: "(TLS setup)".to_owned(),
        reason,
    }
}

/// A connection tonic can speak HTTP/2 over: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Opens a connection to the first server that proves alive, starting with the last good one.
#[derive(Clone)]
struct Connector {
    tls: Option<TlsConnector>,
    targets: Arc<Vec<Target>>,
    /// The target to try first next time.
    next: Arc<AtomicUsize>,
    dial_timeout: Duration,
    /// Whether any connection was opened (and then, maybe, turned down).
    opened: Arc<AtomicBool>,
    facts: Arc<Facts>,
}

/// What a failure is explained with: the files the settings named.
struct Facts {
    cacert: Option<std::path::PathBuf>,
    client_cert: Option<std::path::PathBuf>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Connector {
    /// The connection tonic speaks over. For `http://`, a probe connection first proves that
    /// the server answers HTTP/2 (the TLS handshake proves it for `https://`).
    async fn open(&self, target: &Target) -> std::io::Result<Box<dyn Io>> {
        let tcp = TcpStream::connect(target.address.as_str()).await?;
        tcp.set_nodelay(true)?;
        match (&target.name, &self.tls) {
            (Some(name), Some(tls)) => match tls.connect(name.clone(), tcp).await {
                Ok(stream) => Ok(Box::new(stream)),
                Err(e) => Err(self.explain(target, e).await),
            },
            _ => {
                self.open_probe(target).await?;
                Ok(Box::new(tcp))
            }
        }
    }

    /// A connection of its own that speaks first (HTTP/2's connection preface) and reads the
    /// server's first frame: a stopped process accepts TCP connections (the kernel does) and
    /// then never answers; a server that refuses the client's certificate says so only now.
    async fn open_probe(&self, target: &Target) -> std::io::Result<()> {
        let tcp = TcpStream::connect(target.address.as_str()).await?;
        let result = match (&target.name, &self.tls) {
            (Some(name), Some(tls)) => match tls.connect(name.clone(), tcp).await {
                Ok(stream) => greet(stream, true).await,
                Err(e) => return Err(self.explain(target, e).await),
            },
            _ => greet(tcp, false).await,
        };
        match result {
            Err(e)
                if target.name.is_none()
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                    ) =>
            {
                // Closed or reset without a word: a TLS listener does that to a plain client.
                Err(match speaks_tls(target).await {
                    true => std::io::Error::other(format!(
                        "it speaks TLS, not plain HTTP/2: use https://{} (and --cacert)",
                        target.address
                    )),
                    false => e,
                })
            }
            Err(e) => Err(self.explain(target, e).await),
            Ok(()) => Ok(()),
        }
    }

    /// A failed TLS handshake or probe in words an operator acts on: which certificate is
    /// wrong, or that the other side does not speak TLS at all.
    async fn explain(&self, target: &Target, err: std::io::Error) -> std::io::Error {
        let said = |text: String| std::io::Error::new(err.kind(), text);
        let tls_error = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        use rustls::AlertDescription as Alert;
        use rustls::CertificateError as Cert;
        let facts = &self.facts;
        match tls_error {
            Some(rustls::Error::InvalidCertificate(Cert::UnknownIssuer)) => said(match &facts.cacert {
                Some(ca) => format!(
                    "its certificate is not signed by the CA in {} (UnknownIssuer)",
                    ca.display()
                ),
                None => "its certificate is not signed by a CA this system trusts (UnknownIssuer): give the CA that signed it with --cacert".to_owned(),
            }),
            Some(rustls::Error::InvalidCertificate(
                Cert::NotValidForName | Cert::NotValidForNameContext { .. },
            )) => said(format!(
                "its certificate does not name {} (NotValidForName): connect with a name or address it lists",
                target.address
            )),
            Some(rustls::Error::InvalidCertificate(
                Cert::Expired | Cert::ExpiredContext { .. },
            )) => said("its certificate has expired".to_owned()),
            Some(rustls::Error::AlertReceived(
                alert @ (Alert::CertificateRequired | Alert::BadCertificate | Alert::UnknownCA | Alert::CertificateUnknown),
            )) => said(match &facts.client_cert {
                None => format!(
                    "it asks for a client certificate (mutual TLS; alert {alert:?}): give --cert and --key"
                ),
                Some(cert) => format!(
                    "it refused the client certificate {} (alert {alert:?}): is it signed by a CA the servers trust (their --trusted-ca-file)?",
                    cert.display()
                ),
            }),
            Some(rustls::Error::InvalidMessage(_)) => {
                said("answered, but not in TLS: is this etcd's client URL, and does it use TLS? (try http://)".to_owned())
            }
            // A plain listener given a TLS ClientHello closes or resets the connection.
            _ if target.name.is_some()
                && matches!(
                    err.kind(),
                    std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                match speaks_plain_http2(target).await {
                    true => said(format!(
                        "it speaks plain HTTP/2, not TLS: use http://{}",
                        target.address
                    )),
                    false => said("closed the connection during the TLS handshake".to_owned()),
                }
            }
            _ => err,
        }
    }
}

/// Speak first on `io`: HTTP/2's connection preface, then wait for the server's first frame
/// header and check that it is a SETTINGS frame, as every HTTP/2 server sends first.
async fn greet(mut io: impl AsyncRead + AsyncWrite + Unpin, tls: bool) -> std::io::Result<()> {
    io.write_all(H2_PREFACE).await?;
    io.flush().await?;
    let mut head = [0u8; 9];
    let mut got = 0;
    while got < head.len() {
        match io.read(&mut head[got..]).await? {
            0 => break,
            n => got += n,
        }
    }
    match got {
        0 if tls => Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "closed the connection after the TLS handshake",
        )),
        0 => Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "closed the connection without a word",
        )),
        // Frame type 4: SETTINGS.
        9 if head[3] == 4 => Ok(()),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "answered, but not in HTTP/2: is this etcd's client URL (not its peer URL)?",
        )),
    }
}

/// Whether `target` completes a TLS handshake, any certificate accepted: to tell a TLS
/// listener from one that closes plain connections for another reason.
async fn speaks_tls(target: &Target) -> bool {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let Ok(builder) =
        ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()
    else {
        return false;
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_no_client_auth();
    let host = target.address.rsplit_once(':').map_or("", |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let (Ok(name), Ok(tcp)) = (
        ServerName::try_from(host.to_owned()),
        TcpStream::connect(target.address.as_str()).await,
    ) else {
        return false;
    };
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .is_ok()
}

/// Whether `target` answers plain HTTP/2: to tell a plain listener from a TLS server that
/// closed the handshake for another reason.
async fn speaks_plain_http2(target: &Target) -> bool {
    match TcpStream::connect(target.address.as_str()).await {
        Ok(tcp) => greet(tcp, false).await.is_ok(),
        Err(_) => false,
    }
}

impl tower_service::Service<http::Uri> for Connector {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let n = this.targets.len();
            let start = this.next.load(Ordering::Relaxed);
            let mut failures: Vec<String> = Vec::new();
            for i in (0..n).map(|k| (start + k) % n) {
                let target = &this.targets[i];
                match tokio::time::timeout(this.dial_timeout, this.open(target)).await {
                    Ok(Ok(stream)) => {
                        this.next.store(i, Ordering::Relaxed);
                        this.opened.store(true, Ordering::Relaxed);
                        if !failures.is_empty() {
                            tracing::debug!(endpoint = %target.address, skipped = %failures.join("; "), "connected past unreachable members");
                        }
                        return Ok(TokioIo::new(stream));
                    }
                    Ok(Err(e)) => failures.push(format!("{}: {e}", target.address)),
                    Err(_) => failures.push(format!(
                        "{}: no answer within {:?}",
                        target.address, this.dial_timeout
                    )),
                }
                tracing::debug!(failure = %failures.last().map_or("", String::as_str), "etcd member unreachable; trying the next");
            }
            Err(failures.join("\n").into())
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
    fn targets_from_urls() {
        let t = Target::parse("https://127.0.0.1:2379").unwrap();
        assert_eq!(t.address, "127.0.0.1:2379");
        assert!(matches!(t.name, Some(ServerName::IpAddress(_))));
        let t = Target::parse("https://etcd-1.example:2379/").unwrap();
        assert_eq!(t.address, "etcd-1.example:2379");
        let t = Target::parse("http://10.0.0.1:2379").unwrap();
        assert!(t.name.is_none());
        assert!(Target::parse("127.0.0.1:2379").is_err());
        assert!(Target::parse("https://127.0.0.1").is_err());
    }
}
