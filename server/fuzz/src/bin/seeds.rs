//! Writes the seed corpus (real messages, see `mo_fuzz::seeds`) into the
//! directory given as the only argument.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".into()));
    std::fs::create_dir_all(&dir)?;
    for (name, seed) in mo_fuzz::seeds() {
        std::fs::write(dir.join(name), seed)?;
    }
    Ok(())
}
