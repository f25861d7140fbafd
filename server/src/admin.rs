//! The administrator's door into a running server: a Unix socket in the
//! data directory (`admin.sock`, owner-only), through which `server backup`
//! asks the running server for a consistent copy of its store. Whoever may
//! read the data directory may already copy it; the socket gives nobody
//! else anything.
//!
//! One request per connection, one line each way: `backup /path/file` →
//! `ok <what it holds>` or `error <why>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;

use crate::Error;
use crate::store::Store;

/// The socket's file name in the data directory.
pub const SOCKET: &str = "admin.sock";

/// Listens on `data_dir/admin.sock` until the task is dropped.
pub async fn serve(data_dir: PathBuf, store: Arc<dyn Store>) -> Result<(), Error> {
    let path = data_dir.join(SOCKET);
    // A socket left by a killed server.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    loop {
        let (stream, _) = listener.accept().await?;
        let (store, data_dir) = (store.clone(), data_dir.clone());
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            if BufReader::new(read).read_line(&mut line).await.is_err() {
                return;
            }
            let answer = match line.trim().strip_prefix("backup ") {
                Some(out) => {
                    let out = PathBuf::from(out);
                    let checked = check_backup_target(&data_dir, &out).map(|()| out);
                    let backup = move || checked.and_then(|out| store.backup_to(&out));
                    match tokio::task::spawn_blocking(backup).await {
                        Ok(Ok(summary)) => format!("ok {summary}"),
                        Ok(Err(e)) => format!("error {e}"),
                        Err(e) => format!("error {e}"),
                    }
                }
                None => "error unknown request".to_owned(),
            };
            tracing::info!(request = line.trim(), answer, "administrator's request");
            let _ = write.write_all(format!("{answer}\n").as_bytes()).await;
        });
    }
}

/// Refuses a backup written inside the data directory: it would be the
/// store's own file, the file a restore is about to replace, or a copy that
/// goes wherever the data directory goes (and is lost with it).
pub fn check_backup_target(data_dir: &Path, out: &Path) -> Result<(), Error> {
    // The parent exists for any file that can be written; the file itself may not yet.
    let resolve = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let data_dir = resolve(&std::path::absolute(data_dir)?);
    let out = std::path::absolute(out)?;
    let parent = out.parent().map(resolve).unwrap_or_default();
    if parent.starts_with(&data_dir) {
        return Err(Error::Refused(format!(
            "a backup inside the data directory {} is refused: write it elsewhere",
            data_dir.display()
        )));
    }
    Ok(())
}

/// Asks the server running on `data_dir` for a backup into `out`; `None`
/// when no server is listening there.
pub fn request_backup(data_dir: &Path, out: &Path) -> Option<Result<String, String>> {
    use std::io::{BufRead, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(data_dir.join(SOCKET)).ok()?;
    let result = (|| {
        writeln!(stream, "backup {}", out.display()).map_err(|e| e.to_string())?;
        let mut answer = String::new();
        std::io::BufReader::new(&stream).read_line(&mut answer).map_err(|e| e.to_string())?;
        match answer.trim().split_once(' ') {
            Some(("ok", what)) => Ok(what.to_owned()),
            Some((_, why)) => Err(why.to_owned()),
            None => Err(format!("the server answered «{}»", answer.trim())),
        }
    })();
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_inside_the_data_directory_is_refused_and_one_beside_it_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("sub")).unwrap();
        for inside in ["documents.redb", "sub/copy.redb", "../data/documents.redb"] {
            assert!(check_backup_target(&data, &data.join(inside)).is_err(), "{inside}");
        }
        assert!(check_backup_target(&data, &dir.path().join("backup.redb")).is_ok());
        assert!(check_backup_target(&data, &dir.path().join("data-backups/x.redb")).is_ok());
    }
}
