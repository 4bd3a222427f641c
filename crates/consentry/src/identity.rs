//! The anonymous install id: a random UUID v4 kept in the tool's config dir.
//!
//! Many first runs may start at once (a build script fanning out), and they must agree
//! on one id. Each writes its candidate to a private temp file and links it into place
//! without replacing; the first link wins and the others read the winner's id.

use std::io::{self, Write};
use std::path::Path;

use uuid::Uuid;

/// File name of the install id inside the tool's config dir.
pub const INSTALL_ID_FILE: &str = "telemetry-install-id";

/// Returns the install id stored in `dir`, creating it atomically if there is none.
pub(crate) fn load_or_create(dir: &Path) -> io::Result<Uuid> {
    let path = dir.join(INSTALL_ID_FILE);
    if let Some(id) = read(&path)? {
        return Ok(id);
    }
    std::fs::create_dir_all(dir)?;
    let candidate = Uuid::new_v4();
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(tmp, "{candidate}")?;
    tmp.as_file().sync_all()?;
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok(candidate),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => match read(&path)? {
            Some(id) => Ok(id),
            None => replace(&path, e.file, candidate),
        },
        Err(e) => Err(e.error),
    }
}

/// A file that exists but holds no UUID (truncated by a full disk, edited by hand) is
/// replaced, never trusted and never a reason to stop the tool.
fn replace(path: &Path, tmp: tempfile::NamedTempFile, id: Uuid) -> io::Result<Uuid> {
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(id)
}

fn read(path: &Path) -> io::Result<Option<Uuid>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Uuid::parse_str(text.trim())
            .ok()
            .filter(|id| id.get_version() == Some(uuid::Version::Random))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes the install id (opting out by command deletes it).
pub(crate) fn delete(dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(dir.join(INSTALL_ID_FILE)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(&dir.path().join("cfg")).unwrap();
        let b = load_or_create(&dir.path().join("cfg")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
    }

    #[test]
    fn corrupt_id_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(INSTALL_ID_FILE), "not-a-uuid").unwrap();
        let a = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), a);
    }

    #[test]
    fn threads_racing_agree() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<Uuid> = std::thread::scope(|s| {
            let hs: Vec<_> =
                (0..16).map(|_| s.spawn(|| load_or_create(dir.path()).unwrap())).collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "temp files must not be left behind");
    }

    #[test]
    fn delete_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create(dir.path()).unwrap();
        delete(dir.path()).unwrap();
        delete(dir.path()).unwrap();
        assert!(!dir.path().join(INSTALL_ID_FILE).exists());
    }
}
