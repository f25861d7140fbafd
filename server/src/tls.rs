//! HTTPS. Browsers register a service worker, without which nothing works
//! offline, only on `https://` or `localhost`: a district server reached
//! over the network must speak TLS.
//!
//! Two ways to a certificate: files the administrator keeps (re-read when
//! they change, so a renewal by certbot or the district's own CA needs no
//! restart), or automatically from an ACME authority such as Let's Encrypt
//! (rustls-acme, TLS-ALPN-01 on the HTTPS port itself; the account and the
//! certificates are kept in `DATA_DIR/acme` and renewed when a third of
//! their validity is left). With TLS on, plain HTTP on another port
//! answers every request with a redirect to HTTPS.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use futures_util::StreamExt;
use rustls::RootCertStore;
use rustls_acme::AcmeConfig;
use rustls_acme::caches::DirCache;

use crate::Error;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// How often certificate files are checked for a change.
const FILES_CHECKED_EVERY: Duration = Duration::from_secs(60);

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain HTTP (localhost, or behind a proxy that terminates TLS).
    Off,
    /// A certificate chain and its private key, PEM files.
    Files {
        /// The chain, leaf first.
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
    /// Obtained and renewed from an ACME authority.
    Acme {
        /// The names the certificate is for (the first is the public one).
        domains: Vec<String>,
        /// Contact addresses for the authority (expiry warnings).
        emails: Vec<String>,
        /// The authority's directory URL.
        directory: String,
        /// A PEM file of extra roots to trust for the authority's own
        /// HTTPS (a private or test authority); public roots are trusted
        /// anyway.
        authority_roots: Option<PathBuf>,
        /// Where the account and certificates are kept.
        cache: PathBuf,
    },
}

impl Tls {
    /// Whether the server speaks HTTPS.
    pub fn is_on(&self) -> bool {
        !matches!(self, Tls::Off)
    }
}

/// What accepts connections on the main port.
pub(crate) enum Acceptor {
    Plain,
    Files(RustlsAcceptor),
    Acme(rustls_acme::axum::AxumAcceptor),
}

/// Installs ring as rustls's crypto provider (once per process).
fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Fails only if a provider is already installed, which is as good.
    let _ = provider.as_ref().clone().install_default();
    provider
}

impl Tls {
    /// Reads the certificate files or starts the ACME client, whose work
    /// (ordering, answering the authority's challenge, renewing) then goes
    /// on in a task of its own.
    pub(crate) async fn acceptor(&self) -> Result<Acceptor, Error> {
        match self {
            Tls::Off => Ok(Acceptor::Plain),
            Tls::Files { cert, key } => {
                crypto_provider();
                let config = RustlsConfig::from_pem_file(cert, key).await.map_err(|e| Error::Tls(describe(cert, e)))?;
                tokio::spawn(reload_when_changed(config.clone(), cert.clone(), key.clone()));
                Ok(Acceptor::Files(RustlsAcceptor::new(config)))
            }
            Tls::Acme { domains, emails, directory, authority_roots, cache } => {
                let provider = crypto_provider();
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots());
                if let Some(path) = authority_roots {
                    for cert in read_pem_certs(path)? {
                        roots.add(cert).map_err(|e| Error::Tls(format!("{}: {e}", path.display())))?;
                    }
                }
                let client = rustls::ClientConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| Error::Tls(e.to_string()))?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let mut state = AcmeConfig::new_with_client_config(domains, Arc::new(client))
                    .contact(emails.iter().map(|e| format!("mailto:{e}")))
                    .cache(DirCache::new(cache.clone()))
                    .directory(directory)
                    .state();
                let acceptor = state.axum_acceptor(state.default_rustls_config_with_provider(provider));
                let domains = domains.join(", ");
                tokio::spawn(async move {
                    while let Some(event) = state.next().await {
                        match event {
                            Ok(ok) => tracing::info!(domains = %domains, event = ?ok, "certificate"),
                            Err(e) => tracing::error!(domains = %domains, error = ?e, "certificate authority"),
                        }
                    }
                });
                Ok(Acceptor::Acme(acceptor))
            }
        }
    }
}

/// The public roots (Mozilla's list, Let's Encrypt's among them).
fn webpki_roots() -> impl Iterator<Item = rustls::pki_types::TrustAnchor<'static>> {
    webpki_roots::TLS_SERVER_ROOTS.iter().cloned()
}

fn read_pem_certs(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Tls(describe(path, e)))?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut bytes.as_slice()).collect();
    let certs = certs.map_err(|e| Error::Tls(describe(path, e)))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("{}: no PEM certificate in the file", path.display())));
    }
    Ok(certs)
}

fn describe(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Re-reads the certificate files whenever either changes; a bad new pair
/// is logged and the old one kept.
async fn reload_when_changed(config: RustlsConfig, cert: PathBuf, key: PathBuf) {
    let stamp = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    let mut seen = (stamp(&cert), stamp(&key));
    loop {
        tokio::time::sleep(FILES_CHECKED_EVERY).await;
        let now = (stamp(&cert), stamp(&key));
        if now == seen {
            continue;
        }
        seen = now;
        match config.reload_from_pem_file(&cert, &key).await {
            Ok(()) => tracing::info!(cert = %cert.display(), "certificate files changed; reloaded"),
            Err(e) => {
                tracing::error!(cert = %cert.display(), error = %e, "certificate files changed but do not load; kept the old ones")
            }
        }
    }
}

/// The plain-HTTP side when TLS is on: every request is sent to the same
/// path on HTTPS (`https_port` on the same host).
pub fn redirect(https_port: u16) -> Router {
    Router::new()
        .fallback(move |request: Request| async move { to_https(request.uri(), request.headers(), https_port) })
}

fn to_https(uri: &Uri, headers: &axum::http::HeaderMap, https_port: u16) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.host())
        .map(|h| strip_port(h).to_owned());
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "no Host header; open the server's https:// address").into_response();
    };
    let port = if https_port == 443 { String::new() } else { format!(":{https_port}") };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Redirect::permanent(&format!("https://{host}{port}{path}")).into_response()
}

/// `host:port` → `host` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn location(host: Option<&str>, path: &str, https_port: u16) -> (StatusCode, Option<String>) {
        let mut request = Request::builder().uri(path);
        if let Some(host) = host {
            request = request.header(header::HOST, host);
        }
        let response = redirect(https_port).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let location = response.headers().get(header::LOCATION).map(|l| l.to_str().unwrap().to_owned());
        (response.status(), location)
    }

    #[tokio::test]
    async fn plain_http_is_sent_to_the_same_place_on_https() {
        assert_eq!(
            location(Some("mo.example.ru"), "/api/me?x=1", 443).await,
            (StatusCode::PERMANENT_REDIRECT, Some("https://mo.example.ru/api/me?x=1".into()))
        );
        assert_eq!(
            location(Some("mo.example.ru:80"), "/sw.js", 8443).await.1.as_deref(),
            Some("https://mo.example.ru:8443/sw.js")
        );
        assert_eq!(location(Some("[::1]:8080"), "/", 443).await.1.as_deref(), Some("https://[::1]/"));
        assert_eq!(location(None, "/", 443).await.0, StatusCode::BAD_REQUEST);
    }
}
