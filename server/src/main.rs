//! The server binary: parses flags, opens the data directory, and serves the
//! app and sync on one port until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

/// Sync server for the class teachers' methodical association app.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port to listen on.
    #[arg(long, env = "MO_PORT", default_value_t = 8080)]
    port: u16,
    /// Address to listen on (0.0.0.0 to accept other machines).
    #[arg(long, env = "MO_HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Directory of the embedded document store.
    #[arg(long, env = "MO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// The built app to serve (trunk's dist directory).
    #[arg(long, env = "MO_APP_DIR", default_value = "app/dist")]
    app_dir: PathBuf,
    /// Largest WebSocket message a client may send, in bytes.
    #[arg(long, env = "MO_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024 * 1024)]
    max_message_bytes: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    if !args.app_dir.join("index.html").exists() {
        tracing::warn!(dir = %args.app_dir.display(), "no built app here; only sync is served");
    }
    let config = server::Config {
        data_dir: args.data_dir.clone(),
        app_dir: args.app_dir,
        max_message_bytes: args.max_message_bytes,
    };
    let (state, stop) = server::open(config).with_context(|| format!("opening {}", args.data_dir.display()))?;
    let addr = SocketAddr::new(args.host, args.port);
    let listener = TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let port = listener.local_addr()?.port();
    tracing::info!(data_dir = %args.data_dir.display(), "server started at http://localhost:{port}");
    server::run(listener, state, stop, shutdown_signal()).await?;
    tracing::info!("server stopped");
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
