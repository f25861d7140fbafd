//! The server binary: parses flags, opens the data directory, and serves the
//! app and sync on one port until SIGINT or SIGTERM. Its subcommands are the
//! administrator's: districts, schools and invitations, run with the server
//! stopped (the store admits one process at a time).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

/// Sync server for the class teachers' methodical association app.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port to listen on (default 8080, or 443 with TLS).
    #[arg(long, env = "MO_PORT")]
    port: Option<u16>,
    /// Address to listen on (0.0.0.0 to accept other machines).
    #[arg(long, env = "MO_HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Directory of the embedded document store.
    #[arg(long, env = "MO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// PostgreSQL instead of the embedded store (postgres://user:password@host/database):
    /// every instance given the same database serves the same documents,
    /// and their peers hear each other's changes.
    #[arg(long, env = "MO_DATABASE_URL")]
    database_url: Option<String>,
    /// The built app to serve (trunk's dist directory).
    #[arg(long, env = "MO_APP_DIR", default_value = "app/dist")]
    app_dir: PathBuf,
    /// Largest WebSocket message a client may send, in bytes.
    #[arg(long, env = "MO_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Connections one device may hold open at once (more get HTTP 429).
    #[arg(long, env = "MO_MAX_CONNECTIONS_PER_DEVICE", default_value_t = 16)]
    max_connections_per_device: usize,
    /// Messages per second one device may send over all its connections,
    /// with a burst of twice as many; a faster sender is slowed, not cut.
    #[arg(long, env = "MO_MAX_MESSAGES_PER_SECOND", default_value_t = 500)]
    max_messages_per_second: u32,
    /// Documents one connection may have open (more close it with a reason).
    #[arg(long, env = "MO_MAX_DOCUMENTS_PER_CONNECTION", default_value_t = 5_000)]
    max_documents_per_connection: usize,
    /// Bytes per second one device may send over all its connections, with
    /// a burst of twice as many; a faster sender is slowed, not cut.
    #[arg(long, env = "MO_MAX_BYTES_PER_SECOND", default_value_t = 4 * 1024 * 1024)]
    max_bytes_per_second: u64,
    /// Sync connections open at once over all devices (more get HTTP 503).
    #[arg(long, env = "MO_MAX_CONNECTIONS", default_value_t = 10_000)]
    max_connections: usize,
    /// What the changes of one sync message may inflate to, in bytes
    /// (compressed changes are measured before they are inflated).
    #[arg(long, env = "MO_MAX_INFLATED_BYTES", default_value_t = shared::sync::DEFAULT_MAX_INFLATED)]
    max_inflated_bytes: u64,
    /// Seconds a sync connection may stay silent before it is closed (the
    /// server pings every quarter of it; browsers answer by themselves).
    #[arg(long, env = "MO_IDLE_TIMEOUT_SECS", default_value_t = 120)]
    idle_timeout_secs: u64,
    /// Seconds a document may go unread and unchanged before it leaves
    /// memory (devices that synced it may stay connected; it is read from
    /// the store again when needed).
    #[arg(long, env = "MO_DOCUMENT_IDLE_SECS", default_value_t = 300)]
    document_idle_secs: u64,
    /// Seconds a client may leave a message from the server untaken before
    /// its connection is closed.
    #[arg(long, env = "MO_WRITE_TIMEOUT_SECS", default_value_t = 30)]
    write_timeout_secs: u64,
    /// Seconds an HTTP client has to send its request's headers.
    #[arg(long, env = "MO_HEADER_READ_TIMEOUT_SECS", default_value_t = 15)]
    header_read_timeout_secs: u64,
    /// The address people open the app at, for invitation links
    /// (default: http://localhost:PORT, or https://DOMAIN with ACME).
    #[arg(long, env = "MO_PUBLIC_URL")]
    public_url: Option<String>,
    /// HTTPS with this certificate chain (PEM, leaf first; re-read when it
    /// changes). Needs --tls-key.
    #[arg(long, env = "MO_TLS_CERT", requires = "tls_key", conflicts_with = "acme_domain")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "MO_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// HTTPS with a certificate obtained and renewed automatically for this
    /// domain (repeat, or separate with commas, for several names). The
    /// domain must point at this machine and the HTTPS port be reachable
    /// on 443 from the internet (or from the authority).
    #[arg(long, env = "MO_ACME_DOMAIN", value_delimiter = ',')]
    acme_domain: Vec<String>,
    /// E-mail the certificate authority may write to about expiry.
    #[arg(long, env = "MO_ACME_EMAIL", value_delimiter = ',')]
    acme_email: Vec<String>,
    /// The ACME authority's directory (default: Let's Encrypt).
    #[arg(long, env = "MO_ACME_DIRECTORY", default_value = server::tls::LETS_ENCRYPT)]
    acme_directory: String,
    /// Extra root certificates (PEM) to trust for the ACME authority's own
    /// HTTPS: for a private or test authority only.
    #[arg(long, env = "MO_ACME_CA")]
    acme_ca: Option<PathBuf>,
    /// With TLS on: plain HTTP on this port redirects to HTTPS (0: none).
    #[arg(long, env = "MO_HTTP_PORT", default_value_t = 80)]
    http_port: u16,
    /// An administrator's task instead of serving.
    #[command(subcommand)]
    command: Option<Admin>,
}

/// The administrator's tasks (run with the server stopped).
#[derive(clap::Subcommand, Debug)]
enum Admin {
    /// Creates a district and prints its head's invitation link.
    CreateDistrict {
        /// The district's name, e.g. «РМО классных руководителей Покровского района».
        #[arg(long)]
        name: String,
    },
    /// Adds a school to a district.
    AddSchool {
        /// The district's id (see `list`).
        #[arg(long)]
        district: shared::DocumentId,
        /// The school's name.
        #[arg(long)]
        name: String,
    },
    /// Prints a new invitation link.
    Invite {
        /// The district's id (see `list`).
        #[arg(long)]
        district: shared::DocumentId,
        /// member, school_head, district_head or reader.
        #[arg(long)]
        role: String,
        /// The school's id, for member and school_head.
        #[arg(long)]
        school: Option<shared::DocumentId>,
        /// Days the link works.
        #[arg(long, default_value_t = server::access::DEFAULT_INVITATION_DAYS)]
        days: u32,
    },
    /// Lists districts and their schools with ids.
    List,
    /// Writes a consistent copy of the store to a file; works while the
    /// server runs (it makes the copy) and while it is stopped.
    Backup {
        /// The file to write, e.g. /var/backups/mo-2026-11-22.redb.
        #[arg(long)]
        out: PathBuf,
    },
    /// Replaces the store with a backup (server stopped); the replaced
    /// store is kept as documents.redb.before-restore.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // automerge's own spans are at INFO and format their arguments on
    // every load and commit: a third of the server's CPU under load.
    // No colour codes where nobody reads a terminal (journald, a log file).
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn,automerge=warn".into()),
        )
        .init();
    server::metrics::install_panic_hook();
    let args = Args::parse();
    let tls = tls(&args);
    let port = args.port.unwrap_or(if tls.is_on() { 443 } else { 8080 });
    let public_url = args.public_url.clone().unwrap_or_else(|| default_public_url(&tls, port));
    if let Some(task) = args.command {
        return admin(&args.data_dir, args.database_url.as_deref(), &public_url, task);
    }
    if !args.app_dir.join("index.html").exists() {
        tracing::warn!(dir = %args.app_dir.display(), "no built app here; only sync is served");
    }
    let config = server::Config {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
        app_dir: args.app_dir,
        max_message_bytes: args.max_message_bytes,
        limits: server::limits::Limits {
            connections_per_device: args.max_connections_per_device,
            connections: args.max_connections,
            messages_per_second: args.max_messages_per_second,
            bytes_per_second: args.max_bytes_per_second,
            documents_per_connection: args.max_documents_per_connection,
            inflated_bytes: args.max_inflated_bytes,
            idle: Duration::from_secs(args.idle_timeout_secs.max(1)),
            document_idle: Duration::from_secs(args.document_idle_secs.max(1)),
            write: Duration::from_secs(args.write_timeout_secs.max(1)),
            header_read: Duration::from_secs(args.header_read_timeout_secs.max(1)),
        },
    };
    let opening = match &args.database_url {
        Some(_) => "connecting to PostgreSQL (--database-url)".to_owned(),
        None => format!("opening {}", args.data_dir.display()),
    };
    let (state, stop) = server::open(config).context(opening)?;
    let addr = SocketAddr::new(args.host, port);
    let listener = TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let port = listener.local_addr()?.port();
    let public_url = args.public_url.clone().unwrap_or_else(|| default_public_url(&tls, port));
    let redirect = match (tls.is_on(), args.http_port) {
        (false, _) | (true, 0) => None,
        (true, http_port) => {
            let addr = SocketAddr::new(args.host, http_port);
            match TcpListener::bind(addr).await {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::warn!(%addr, error = %e, "cannot listen for plain HTTP to redirect it to HTTPS; going on without");
                    None
                }
            }
        }
    };
    if let Some(first) = server::first_start(&state)? {
        tracing::info!(
            district = %first.district.name,
            "first start: created a district with one school («Школа №1»); open these one-time invitation links"
        );
        tracing::info!("district head's invitation: {public_url}/#/join/{}", first.district_head);
        tracing::info!("head of Школа №1's invitation: {public_url}/#/join/{}", first.school_head);
    }
    tracing::info!(data_dir = %args.data_dir.display(), "server started at {public_url}");
    server::run(listener, redirect, &tls, state, stop, shutdown_signal()).await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Where the certificate comes from, as the flags say.
fn tls(args: &Args) -> server::tls::Tls {
    use server::tls::Tls;
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Tls::Files { cert: cert.clone(), key: key.clone() },
        _ if !args.acme_domain.is_empty() => Tls::Acme {
            domains: args.acme_domain.clone(),
            emails: args.acme_email.clone(),
            directory: args.acme_directory.clone(),
            authority_roots: args.acme_ca.clone(),
            cache: args.data_dir.join("acme"),
        },
        _ => Tls::Off,
    }
}

fn default_public_url(tls: &server::tls::Tls, port: u16) -> String {
    use server::tls::Tls;
    let host = match tls {
        Tls::Acme { domains, .. } => domains.first().map_or("localhost", String::as_str),
        _ => "localhost",
    };
    match (tls.is_on(), port) {
        (true, 443) => format!("https://{host}"),
        (true, _) => format!("https://{host}:{port}"),
        (false, _) => format!("http://{host}:{port}"),
    }
}

/// Runs an administrator's task on the data directory and prints the result.
fn admin(data_dir: &std::path::Path, database_url: Option<&str>, public_url: &str, task: Admin) -> anyhow::Result<()> {
    use server::access::Access;

    if let Some(url) = database_url {
        if matches!(task, Admin::Backup { .. } | Admin::Restore { .. }) {
            anyhow::bail!(
                "the store is PostgreSQL: back it up with pg_dump and restore with pg_restore (see the README)"
            );
        }
        // Running instances hear what this writes, as from one of them.
        let store = server::postgres::PgStore::connect(url).context("connecting to PostgreSQL")?;
        return directory_task(Access::open(std::sync::Arc::new(store))?, public_url, task);
    }
    match &task {
        Admin::Backup { out } => {
            let out = std::path::absolute(out)?;
            server::admin::check_backup_target(data_dir, &out)?;
            let summary = match server::admin::request_backup(data_dir, &out) {
                Some(answer) => answer.map_err(|e| anyhow::anyhow!("the running server could not back up: {e}"))?,
                None => {
                    use server::store::Store;
                    let store = server::store::RedbStore::open(data_dir)
                        .with_context(|| format!("opening {}", data_dir.display()))?;
                    store.backup_to(&out)?.to_string()
                }
            };
            println!("backup written to {}: {summary}", out.display());
            return Ok(());
        }
        Admin::Restore { from } => {
            let (summary, kept) = server::store::restore(data_dir, from).with_context(|| {
                format!("restoring {} into {} (stop the server first)", from.display(), data_dir.display())
            })?;
            println!("restored {} into {}: {summary}", from.display(), data_dir.display());
            if kept > 0 {
                println!("kept {kept} revocation(s) and spent or cancelled invitation(s) made since the backup");
            }
            return Ok(());
        }
        _ => {}
    }
    let store = server::store::RedbStore::open(data_dir).with_context(|| {
        format!("opening {} (stop the server first: the store admits one process at a time)", data_dir.display())
    })?;
    directory_task(Access::open(std::sync::Arc::new(store))?, public_url, task)
}

/// Creates, invites or lists in the directory.
fn directory_task(access: server::access::Access, public_url: &str, task: Admin) -> anyhow::Result<()> {
    use shared::{Grant, Role};

    let now = server::api::now_ms();
    let link = |code: &str| format!("{public_url}/#/join/{code}");
    match task {
        Admin::CreateDistrict { name } => {
            let district = access.create_district(&name)?;
            let grant = Grant { role: Role::DistrictHead, district: district.id, school: None };
            let (code, _) =
                access.invite(None, grant, server::access::DEFAULT_INVITATION_DAYS, "руководитель РМО", None, now)?;
            println!("district {} «{}»", district.id, district.name);
            println!("district head's invitation: {}", link(&code));
        }
        Admin::AddSchool { district, name } => {
            let school = access.create_school(None, district, &name, None)?;
            println!("school {} «{}»", school.id, school.name);
        }
        Admin::Invite { district, role, school, days } => {
            let role = Role::from_code(&role)
                .with_context(|| format!("unknown role {role}: member, school_head, district_head or reader"))?;
            let (code, invitation) = access.invite(None, Grant { role, district, school }, days, "", None, now)?;
            println!("{} invitation, valid {days} days: {}", invitation.grant.role.code(), link(&code));
        }
        Admin::Backup { .. } | Admin::Restore { .. } => unreachable!("handled above"),
        Admin::List => {
            for district in access.districts() {
                println!("district {} «{}»", district.id, district.name);
                for school in access.schools(&district.id) {
                    println!("  school {} «{}»", school.id, school.name);
                }
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
