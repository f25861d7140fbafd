//! The JavaScript automerge-repo peer (`tests/interop/peer.mjs`) run with
//! Node.js: a client nobody on this project wrote.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

fn interop_dir() -> PathBuf {
    crate::root().join("tests").join("interop")
}

/// Runs `node peer.mjs ARGS…` as a peer of `device` (its peer id prefix in
/// `MO_PEER_ID`) and returns the JSON it prints.
pub async fn run(device: &crate::server::Device, args: &[&str]) -> Value {
    let dir = interop_dir();
    assert!(
        dir.join("node_modules").join("@automerge").join("automerge-repo").exists(),
        "the JavaScript peer is not installed: run `cargo xtask test` (it runs `npm ci` in tests/interop)"
    );
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg("peer.mjs")
            .args(args)
            .env("MO_PEER_ID", &device.id)
            .current_dir(&dir)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("node peer.mjs {args:?} took over a minute"))
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "node peer.mjs {args:?} failed ({}):\n{stdout}\n{stderr}", output.status);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("peer.mjs printed no JSON ({e}):\n{stdout}\n{stderr}"))
}
