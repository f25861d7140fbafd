//! HTTPS for the tests: a certificate authority of the test's own (rcgen),
//! a Chromium home that trusts chosen roots (its NSS database, as a
//! district's IT person would install the district's CA), and Let's
//! Encrypt's test authority `pebble` with its mock DNS server, both from
//! Debian's `pebble` package, on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use tokio::process::{Child, Command};

use crate::eventually;

/// A certificate authority made for one test.
pub struct TestCa {
    dir: PathBuf,
    root: PathBuf,
    issuer: Issuer<'static, KeyPair>,
}

fn validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    // Under the 398 days browsers accept for a server certificate.
    params.not_after = now + time::Duration::days(90);
}

impl TestCa {
    /// A new authority keeping its files in `dir`.
    pub fn new(dir: &Path, name: &str) -> Self {
        std::fs::create_dir_all(dir).expect("create the CA's directory");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names is valid");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        validity(&mut params);
        let key = KeyPair::generate().expect("a key");
        let cert = params.self_signed(&key).expect("a self-signed root");
        let root = dir.join("root.pem");
        std::fs::write(&root, cert.pem()).expect("write the root");
        Self { dir: dir.to_path_buf(), root, issuer: Issuer::new(params, key) }
    }

    /// The root certificate (PEM), to trust.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A server certificate for `names` (DNS names or IP addresses), as
    /// files `stem.pem` (chain) and `stem.key`.
    pub fn issue(&self, stem: &str, names: &[&str]) -> (PathBuf, PathBuf) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).expect("valid names");
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        validity(&mut params);
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("a signed certificate");
        let (cert_path, key_path) = (self.dir.join(format!("{stem}.pem")), self.dir.join(format!("{stem}.key")));
        std::fs::write(&cert_path, cert.pem()).expect("write the certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write the key");
        (cert_path, key_path)
    }
}

/// Makes `home/.pki/nssdb` trust each of `roots` for websites, as
/// `certutil` does for a person installing their organisation's CA.
pub fn trusting_home(home: &Path, roots: &[&Path]) {
    let db = home.join(".pki").join("nssdb");
    std::fs::create_dir_all(&db).expect("create the NSS database directory");
    let db_arg = format!("sql:{}", db.display());
    let certutil = |args: &[&str]| {
        let out = std::process::Command::new("certutil")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run certutil ({e}); `cargo xtask test` installs libnss3-tools"));
        assert!(out.status.success(), "certutil {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    certutil(&["-N", "-d", &db_arg, "--empty-password"]);
    for (n, root) in roots.iter().enumerate() {
        let nick = format!("test-root-{n}");
        certutil(&["-A", "-d", &db_arg, "-n", &nick, "-t", "C,,", "-i", &root.to_string_lossy()]);
    }
}

/// `GET https://name:port/path` with `name` resolved to 127.0.0.1,
/// trusting only `root`: the body, or why it failed.
pub async fn https_get(name: &str, port: u16, path: &str, root: &Path) -> Result<String, String> {
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--fail", "--max-time", "10"])
        .arg("--resolve")
        .arg(format!("{name}:{port}:127.0.0.1"))
        .arg("--cacert")
        .arg(root)
        .arg(format!("https://{name}:{port}{path}"))
        .output()
        .await
        .map_err(|e| format!("run curl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// pebble and pebble-challtestsrv on loopback: an ACME authority whose
/// validation resolves every name to 127.0.0.1 and connects for the
/// TLS-ALPN-01 challenge to the port the server under test listens on.
pub struct Pebble {
    _pebble: Child,
    _dns: Child,
    /// The ACME directory URL.
    pub directory: String,
    /// The root pebble's own HTTPS listener is signed by (the server must
    /// trust it to talk to the authority).
    pub listener_root: PathBuf,
    management: u16,
    dir: PathBuf,
}

fn spawn(command: &mut Command, log: &Path, what: &str) -> Child {
    let log = std::fs::File::create(log).expect("create a log file");
    command
        .stdout(Stdio::from(log.try_clone().expect("clone the log handle")))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {what} ({e}); `cargo xtask test` installs Debian's pebble"))
}

impl Pebble {
    /// Starts the mock DNS server and pebble, which validates challenges
    /// on `tls_port`; waits until pebble answers.
    pub async fn start(dir: &Path, tls_port: u16) -> Self {
        std::fs::create_dir_all(dir).expect("create pebble's directory");
        let ca = TestCa::new(&dir.join("listener-ca"), "pebble listener CA");
        let (cert, key) = ca.issue("listener", &["localhost", "127.0.0.1"]);
        let (acme, management, dns) = (crate::free_port(), crate::free_port(), crate::free_port());
        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{acme}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": cert, "privateKey": key,
            "httpPort": crate::free_port(), "tlsPort": tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": false,
        }});
        let config_path = dir.join("pebble.json");
        std::fs::write(&config_path, config.to_string()).expect("write pebble's config");
        let dns_server = spawn(
            Command::new("pebble-challtestsrv")
                .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                .args(["-dns01", &format!("127.0.0.1:{dns}")])
                .args(["-management", &format!("127.0.0.1:{}", crate::free_port())])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""]),
            &dir.join("challtestsrv.log"),
            "pebble-challtestsrv",
        );
        let pebble = spawn(
            Command::new("pebble")
                .arg("-config")
                .arg(&config_path)
                .args(["-dnsserver", &format!("127.0.0.1:{dns}"), "-strict=false"])
                // Validate at once, and do not reject nonces at random
                // (Let's Encrypt does neither on purpose).
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_WFE_NONCEREJECT", "0"),
            &dir.join("pebble.log"),
            "pebble",
        );
        let me = Self {
            _pebble: pebble,
            _dns: dns_server,
            directory: format!("https://127.0.0.1:{acme}/dir"),
            listener_root: ca.root().to_path_buf(),
            management,
            dir: dir.to_path_buf(),
        };
        let root = me.listener_root.clone();
        eventually("pebble to answer", || {
            let root = root.clone();
            async move { https_get("127.0.0.1", acme, "/dir", &root).await.ok().map(drop) }
        })
        .await;
        me
    }

    /// The root pebble signs certificates with (made anew at each start),
    /// written to a file.
    pub async fn issuing_root(&self) -> PathBuf {
        let pem = https_get("127.0.0.1", self.management, "/roots/0", &self.listener_root)
            .await
            .unwrap_or_else(|e| panic!("pebble's root: {e}"));
        let path = self.dir.join("issuing-root.pem");
        std::fs::write(&path, pem).expect("write pebble's root");
        path
    }

    /// What pebble logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pebble.log")).unwrap_or_default()
    }
}

/// Waits until `name:port` serves HTTPS with a certificate chaining to
/// `root`; after a minute, what the last try said.
pub async fn wait_https(name: &str, port: u16, root: &Path) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match https_get(name, port, "/healthz", root).await {
            Ok(body) if body == "ok" => return Ok(()),
            outcome if tokio::time::Instant::now() >= deadline => {
                return Err(format!("still no trusted HTTPS after 60 s: {outcome:?}"));
            }
            _ => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
}
