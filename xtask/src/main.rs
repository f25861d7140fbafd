//! `cargo xtask run` builds the app in release and starts the server with it;
//! `cargo xtask test` runs every test. Both first install what is missing —
//! the wasm32 target, trunk, the wasm-bindgen CLI matching `Cargo.lock`,
//! binaryen, and for tests Chromium, chromedriver and the JavaScript peer —
//! and skip whatever is already there at the right version.
//! `cargo xtask bench` runs the benchmarks (not part of `test`);
//! `cargo xtask fuzz` fuzzes the server (a short run is part of `test`).
//!
//! Standard library only, so it builds in seconds on a fresh machine.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TRUNK_VERSION: &str = "0.21.14";
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// How long `test` fuzzes: enough to catch what the seeds nearly hit.
const TEST_FUZZ_SECONDS: u64 = 60;
const USAGE: &str = "\
usage: cargo xtask <command>

  run [-- SERVER-FLAGS]   build the app (release) and start the server on
                          http://localhost:8080 (see `-- --help` for flags)
  test [-- CARGO-TEST-ARGS]
                          build everything and run every test
  setup                   only install the tools `run` and `test` need
  build-app [--test]      only build the app (release, or the test profile)
  package                 build the release and pack it with its installer
                          into target/mo-server-VERSION-x86_64.tar.gz
  soak [--minutes N]       1,000 clients against the server for N minutes
                          (default 10), RSS every 10 s; fails on errors or
                          on memory that keeps growing
  long [--cases N]         the convergence schedules (peers editing,
                          removing, restarting, the server restarting)
                          against the real hub and store: 10,000 by default
  fuzz [--minutes N | --runs N]
                          fuzz the server's connection, hub and store in
                          process (libFuzzer via cargo-fuzz; default 1 minute)
  bench [-- --quick | --only WORKLOAD | --out FILE]
                          our server and the JavaScript automerge-repo sync
                          server under the same load, and the app's size and
                          cold start; writes BENCHMARKS.md";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    let rest: Vec<String> = rest.iter().skip_while(|a| *a == "--").cloned().collect();
    let outcome = match command {
        "run" => run(&rest),
        "test" => test(&rest),
        "bench" => bench(&rest),
        "fuzz" => fuzz(&rest),
        "soak" => soak(&rest),
        "long" => long(&rest),
        "package" => package(),
        "setup" => setup_build_tools().and_then(|()| setup_test_tools()),
        "build-app" => setup_build_tools().and_then(|()| build_app(rest.iter().any(|a| a == "--test"))),
        _ => {
            println!("{USAGE}");
            return if command == "help" || command == "--help" { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ sits in the repository").to_path_buf()
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// Where the test build of the app goes (the release build goes to app/dist).
fn test_dist() -> PathBuf {
    target_dir().join("app-test-dist")
}

fn run(server_args: &[String]) -> Result {
    setup_build_tools()?;
    build_app(false)?;
    step("starting the server (Ctrl+C stops it)");
    let mut cmd = cargo();
    cmd.args(["run", "--profile", "server", "--package", "server", "--"]);
    if !server_args.iter().any(|a| a.starts_with("--app-dir")) {
        cmd.arg("--app-dir").arg(root().join("app").join("dist"));
    }
    cmd.args(server_args);
    status(&mut cmd)
}

fn test(cargo_test_args: &[String]) -> Result {
    setup_build_tools()?;
    setup_test_tools()?;
    build_app(true)?;
    step("building the server");
    status(cargo().args(["build", "--profile", "server", "--package", "server"]))?;
    step("running every test");
    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--exclude", "app"])
        .args(cargo_test_args)
        .env("MO_SERVER_BIN", target_dir().join("server").join("server"))
        .env("MO_APP_DIR", test_dist());
    status(&mut cmd)?;
    step("checking that the domain crate builds for wasm32");
    status(cargo().args(["check", "--package", "shared", "--target", "wasm32-unknown-unknown"]))?;
    run_fuzz(&format!("-max_total_time={TEST_FUZZ_SECONDS}"))
}

/// `cargo xtask fuzz [--minutes N | --runs N]`.
fn fuzz(args: &[String]) -> Result {
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let limit = match (value("--minutes"), value("--runs")) {
        (_, Some(runs)) => format!("-runs={}", runs.parse::<u64>().map_err(|e| format!("--runs: {e}"))?),
        (Some(minutes), None) => {
            format!("-max_total_time={}", minutes.parse::<u64>().map_err(|e| format!("--minutes: {e}"))? * 60)
        }
        (None, None) => "-max_total_time=60".to_owned(),
    };
    run_fuzz(&limit)
}

/// Builds the seed corpus and runs the fuzz target (`server/fuzz`) with
/// libFuzzer until `limit`; a finding fails, and libFuzzer saves the input
/// that found it under server/fuzz/artifacts.
fn run_fuzz(limit: &str) -> Result {
    step("fuzzing the server's connection, hub and store");
    cargo_install("cargo-fuzz", "cargo-fuzz", CARGO_FUZZ_VERSION, true)?;
    let dir = target_dir().join("fuzz");
    let (seeds, corpus) = (dir.join("seeds"), dir.join("corpus"));
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    status(cargo().args(["run", "--quiet", "--package", "mo-fuzz", "--bin", "seeds", "--"]).arg(&seeds))?;
    let mut cmd = cargo();
    // cargo-fuzz passes rustc flags only nightly takes; this toolchain is stable.
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "--fuzz-dir", "server/fuzz", "--sanitizer", "none", "--features", "libfuzzer"])
        .arg("connection")
        .arg(&corpus)
        .arg(&seeds)
        .args(["--", limit, "-rss_limit_mb=1024", "-timeout=10", "-print_final_stats=1"]);
    status(&mut cmd)
}

/// Builds the release app and server and packs them with the systemd unit,
/// the settings template, the installer and the README: what a district's
/// IT person copies to the server machine (see the README's guide).
fn package() -> Result {
    setup_build_tools()?;
    build_app(false)?;
    step("building the server");
    status(cargo().args(["build", "--profile", "server", "--package", "server"]))?;
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("mo-server-{version}-{}", std::env::consts::ARCH);
    let stage = target_dir().join("package").join(&name);
    let _ = std::fs::remove_dir_all(&stage);
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    std::fs::create_dir_all(stage.join("bin")).map_err(|e| io("creating the package", e))?;
    let deploy = root().join("server").join("deploy");
    let copies = [
        (target_dir().join("server").join("server"), stage.join("bin").join("server")),
        (deploy.join("mo-server.service"), stage.join("mo-server.service")),
        (deploy.join("server.env.example"), stage.join("server.env.example")),
        (deploy.join("install.sh"), stage.join("install.sh")),
        (root().join("README.md"), stage.join("README.md")),
    ];
    for (from, to) in copies {
        std::fs::copy(&from, &to).map_err(|e| io(&from.display().to_string(), e))?;
    }
    status(Command::new("cp").arg("-R").arg(root().join("app").join("dist")).arg(stage.join("app")))?;
    let archive = target_dir().join(format!("{name}.tar.gz"));
    status(
        Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(stage.parent().expect("staged in package/"))
            .arg(&name),
    )?;
    step(&format!("wrote {}", archive.display()));
    Ok(())
}

/// Builds the server and the load generator and runs the soak
/// (`tests/src/bin/bench/soak.rs`).
fn soak(args: &[String]) -> Result {
    let minutes = args.iter().position(|a| a == "--minutes").and_then(|i| args.get(i + 1));
    let minutes = minutes.map_or(Ok(10), |m| m.parse::<u64>()).map_err(|e| format!("--minutes: {e}"))?;
    build_server_and_bench()?;
    // The soak needs no app: the server serves a placeholder page.
    let app = target_dir().join("soak-app");
    std::fs::create_dir_all(&app)
        .and_then(|()| std::fs::write(app.join("index.html"), "<!doctype html>"))
        .map_err(|e| format!("{}: {e}", app.display()))?;
    step(&format!("soaking the server for {minutes} minutes"));
    let mut cmd = Command::new(target_dir().join("server").join("bench"));
    cmd.current_dir(root())
        .args(["--soak", &minutes.to_string()])
        .env("MO_SERVER_BIN", target_dir().join("server").join("server"))
        .env("MO_APP_DIR", app);
    status(&mut cmd)
}

/// The convergence property test at goal scale (`cargo xtask test` runs
/// 200 schedules), optimised so that 10,000 take minutes, not hours.
fn long(args: &[String]) -> Result {
    let cases = args.iter().position(|a| a == "--cases").and_then(|i| args.get(i + 1));
    let cases = cases.map_or(Ok(10_000), |c| c.parse::<u64>()).map_err(|e| format!("--cases: {e}"))?;
    step(&format!("{cases} convergence schedules against the real hub and store"));
    status(
        cargo()
            .args(["test", "--release", "--package", "server", "--test", "convergence", "--", "--nocapture"])
            .env("PROPTEST_CASES", cases.to_string()),
    )
}

/// The server and the load generator, with the server's optimised profile.
fn build_server_and_bench() -> Result {
    step("building the server and the load generator");
    status(cargo().args([
        "build",
        "--profile",
        "server",
        "--package",
        "server",
        "--package",
        "e2e",
        "--bin",
        "server",
        "--bin",
        "bench",
    ]))
}

/// Builds the release app and the server, then runs the benchmark binary
/// (`tests/src/bin/bench`) with the server's optimised profile.
fn bench(bench_args: &[String]) -> Result {
    setup_build_tools()?;
    setup_test_tools()?;
    build_app(false)?;
    build_server_and_bench()?;
    step("running the benchmarks (several minutes)");
    let mut cmd = Command::new(target_dir().join("server").join("bench"));
    cmd.current_dir(root())
        .args(bench_args)
        .env("MO_SERVER_BIN", target_dir().join("server").join("server"))
        .env("MO_APP_DIR", root().join("app").join("dist"));
    status(&mut cmd)
}

/// Builds the app with trunk: release into app/dist, or the faster test
/// profile into target/app-test-dist.
fn build_app(for_tests: bool) -> Result {
    step(if for_tests { "building the app for the tests" } else { "building the app (release)" });
    // trunk runs offline (it must not download tools); crates come first.
    status(cargo().arg("fetch"))?;
    let bin = binaryen_dir().join("node_modules").join(".bin");
    let path = env::join_paths(std::iter::once(bin).chain(env::split_paths(&env::var_os("PATH").unwrap_or_default())))
        .map_err(|e| format!("PATH: {e}"))?;
    let mut cmd = Command::new("trunk");
    cmd.current_dir(root().join("app")).args(["build", "--offline", "--release"]).env("PATH", path);
    if env::var_os("MO_PANIC_MESSAGES").is_none() {
        // A panic stops the module the same way with or without its message
        // (a wasm trap the page reports), but the messages, their file paths
        // and the formatting behind them are 94 KB of brotli in the page and
        // the engine, which a phone fetches and keeps (BENCHMARKS.md). Both
        // are compiled with a standard library built without them, which
        // needs unstable flags on the stable toolchain, as the fuzz
        // run does. `MO_PANIC_MESSAGES=1` builds with them, to read a panic.
        // For the same reason `{:?}` formats nothing (`-Zfmt-debug=none`):
        // what the app tells a person or the console is never written
        // through `Debug` (see `files::js_message`).
        // The standard library's own crates are fetched first (its manifest
        // too needs the unstable flag).
        let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))?;
        let library = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/Cargo.toml");
        status(cargo().env("RUSTC_BOOTSTRAP", "1").arg("fetch").arg("--manifest-path").arg(library))?;
        cmd.env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
            .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none",
            );
    }
    if for_tests {
        // Without LTO, which costs minutes, but through wasm-opt like the
        // real build, so the tests run what users get.
        cmd.args(["--cargo-profile", "fast-wasm", "--dist"]).arg(test_dist());
    }
    let dist = if for_tests { test_dist() } else { root().join("app").join("dist") };
    status(&mut cmd)?;
    // trunk builds the page and the two workers of one crate at once, and
    // their wasm-bindgen runs share one snippets directory: index.html used
    // to carry, now and then, the integrity of another write of a snippet
    // than the one that stayed, and the browser refused to start the app.
    // The page's scripts now carry none (Trunk.toml's `pattern_preload`);
    // the check stays for every integrity index.html still gives. Such a
    // build is made again.
    if let Some(wrong) = integrity_mismatch(&dist)? {
        eprintln!("xtask: {wrong}; building the app again");
        status(&mut cmd)?;
        if let Some(wrong) = integrity_mismatch(&dist)? {
            return Err(format!("the app's build is inconsistent: {wrong}"));
        }
    }
    Ok(())
}

/// A file `dist/index.html` names with an `integrity` its content does not
/// have, if there is one.
fn integrity_mismatch(dist: &Path) -> Result<Option<String>> {
    let html = fs::read_to_string(dist.join("index.html")).map_err(|e| format!("{}: {e}", dist.display()))?;
    for tag in html.split('<').filter(|t| t.contains("integrity=\"sha384-")) {
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            tag[start..].split('"').next().map(str::to_owned)
        };
        let (Some(file), Some(expected)) = (attr("href").or_else(|| attr("src")), attr("integrity")) else { continue };
        let path = dist.join(file.trim_start_matches('/'));
        let digest = output(
            Command::new("sh").arg("-c").arg(format!("openssl dgst -sha384 -binary '{}' | base64 -w0", path.display())),
        )?;
        if expected.trim_start_matches("sha384-") != digest.trim() {
            return Ok(Some(format!("{file} does not have the integrity index.html gives it")));
        }
    }
    Ok(None)
}

fn setup_build_tools() -> Result {
    step("checking build tools");
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        status(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    // The app's build compiles the standard library itself (`build_app`).
    let components = output(Command::new("rustup").args(["component", "list", "--installed"]))?;
    if !components.lines().any(|l| l.trim() == "rust-src") {
        status(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    }
    cargo_install("trunk", "trunk", TRUNK_VERSION, true)?;
    let bindgen = locked_version("wasm-bindgen")?;
    // Not --locked: one of the CLI's locked dependencies is not in the registry.
    cargo_install("wasm-bindgen", "wasm-bindgen-cli", &bindgen, false)?;
    // The build writes brotli copies of the app's files when it can.
    if !works("brotli", &["--version"]) {
        apt_install(&["brotli"])?;
    }
    // The build's integrity check (`integrity_mismatch`) hashes with it.
    if !works("openssl", &["version"]) {
        apt_install(&["openssl"])?;
    }
    // binaryen (wasm-opt) from npm: Debian's 108 breaks wasm-bindgen's output.
    npm_install(&binaryen_dir())
}

fn binaryen_dir() -> PathBuf {
    root().join("xtask").join("binaryen")
}

/// Installs `dir`'s locked npm packages unless its node_modules is as new as
/// its lock file. `npm install --no-save` rather than `npm ci`: npm 11 leaves
/// other platforms' optional packages (cbor-extract's prebuilt binaries) out
/// of the lock file, and `npm ci` then refuses the lock file as out of sync.
fn npm_install(dir: &Path) -> Result {
    if !works("node", &["--version"]) || !works("npm", &["--version"]) {
        apt_install(&["nodejs", "npm"])?;
    }
    let stamp = dir.join("node_modules").join(".package-lock.json");
    if newer_or_equal(&stamp, &dir.join("package-lock.json")) {
        return Ok(());
    }
    status(Command::new("npm").current_dir(dir).args(["install", "--no-save", "--no-audit", "--no-fund"]))
}

fn setup_test_tools() -> Result {
    step("checking test tools");
    if !works("chromium", &["--version"]) || !works("chromedriver", &["--version"]) {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    // The expired-invitation test runs the server days in the future.
    if !works("faketime", &["--version"]) {
        apt_install(&["faketime"])?;
    }
    // Documents are checked by opening them as LibreOffice would and by
    // reading the text of the PDFs printed from the app.
    if !works("soffice", &["--version"]) || !works("pdftotext", &["-v"]) {
        apt_install(&["libreoffice-writer-nogui", "poppler-utils"])?;
    }
    // HTTPS tests: Let's Encrypt's test authority and its mock DNS, the
    // NSS tool that makes Chromium trust a root, and curl to check HTTPS.
    if !on_path("pebble") || !on_path("pebble-challtestsrv") || !on_path("certutil") || !works("curl", &["--version"]) {
        apt_install(&["pebble", "libnss3-tools", "curl"])?;
    }
    // The region tests run several servers on a PostgreSQL cluster of
    // their own, made with the package's initdb in a temporary directory.
    if !postgres_installed() {
        apt_install(&["postgresql"])?;
    }
    // The systemd unit is checked with systemd-analyze.
    if !on_path("systemd-analyze") {
        apt_install(&["systemd"])?;
    }
    npm_install(&root().join("tests").join("interop"))
}

/// Whether Debian's PostgreSQL server programs are installed.
fn postgres_installed() -> bool {
    let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") else { return false };
    versions.flatten().any(|v| v.path().join("bin/initdb").is_file() && v.path().join("bin/postgres").is_file())
}

/// Whether `bin` is an executable file on PATH (for tools without a
/// `--version` that exits successfully).
fn on_path(bin: &str) -> bool {
    env::split_paths(&env::var_os("PATH").unwrap_or_default()).any(|dir| dir.join(bin).is_file())
}

/// `cargo install crate --version v` unless `bin --version` already says `v`.
fn cargo_install(bin: &str, krate: &str, version: &str, locked: bool) -> Result {
    if let Ok(out) = output(Command::new(bin).arg("--version"))
        && out.split_whitespace().any(|w| w.trim_start_matches('v') == version)
    {
        return Ok(());
    }
    step(&format!("installing {krate} {version} (several minutes, once)"));
    let mut cmd = cargo();
    cmd.args(["install", krate, "--version", version]);
    if locked {
        cmd.arg("--locked");
    }
    status(&mut cmd)
}

/// The version of `package` in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

fn apt_install(packages: &[&str]) -> Result {
    step(&format!("installing {} with apt", packages.join(", ")));
    let root_user = output(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut cmd = if root_user { Command::new("apt-get") } else { Command::new("sudo") };
        if !root_user {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    status(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(packages);
    status(&mut install)
}

fn newer_or_equal(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(a), Some(b)) if a >= b)
}

fn cargo() -> Command {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn works(bin: &str, args: &[&str]) -> bool {
    Command::new(bin).args(args).output().is_ok_and(|o| o.status.success())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn status(cmd: &mut Command) -> Result {
    let s = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if s.success() { Ok(()) } else { Err(format!("{cmd:?} failed ({s})")) }
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}
