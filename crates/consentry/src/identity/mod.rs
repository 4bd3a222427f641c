//! The anonymous install id: a random UUID v4 kept in the tool's config dir.
//!
//! Many first runs may start at once (a build script fanning out), and they must agree
//! on one id. Each writes its candidate to a private temp file and links it into place
//! without replacing; the first link wins and the others read the winner's id.

pub(crate) mod agent;
pub(crate) mod choice;
pub(crate) mod erasure;
pub(crate) mod hash;
pub(crate) mod resource;
pub(crate) mod sample;

use std::io;
use std::path::Path;

use uuid::Uuid;

use crate::sys::files::{self, ReadError};

/// File name of the install id inside the tool's config dir.
pub(crate) const INSTALL_ID_FILE: &str = "telemetry-install-id";

/// File name of the per-install hashing key inside the tool's config dir. It never
/// leaves the machine; it makes hashed values unlinkable to the same value elsewhere
/// and not reversible by guessing (a plain hash of a repository URL is).
pub(crate) const KEY_FILE: &str = "telemetry-key";

/// Returns the install id stored in `dir`, creating it atomically if there is none.
pub(crate) fn load_or_create(dir: &Path) -> io::Result<Uuid> {
    let text = load_or_create_secret(
        dir,
        INSTALL_ID_FILE,
        || Ok(crate::sys::random::uuid_v4().to_string()),
        |t| Uuid::parse_str(t).is_ok_and(|id| id.get_version() == Some(uuid::Version::Random)),
    )?;
    Uuid::parse_str(&text).map_err(io::Error::other)
}

/// Returns the 32-byte hashing key stored in `dir`, creating it atomically if needed.
pub(crate) fn load_or_create_key(dir: &Path) -> io::Result<[u8; 32]> {
    let text = load_or_create_secret(dir, KEY_FILE, new_key_hex, |t| decode_key(t).is_some())?;
    decode_key(&text).ok_or_else(|| io::Error::other("invalid key"))
}

/// The hashing key stored in `dir`, read only: `None` when there is none (or it is not
/// valid), for `telemetry status`, which creates nothing.
pub(crate) fn read_key(dir: &Path) -> Option<[u8; 32]> {
    read(&dir.join(KEY_FILE), &|t: &str| decode_key(t).is_some())
        .ok()
        .flatten()
        .and_then(|t| decode_key(&t))
}

/// A new key from the OS's generator, or none: a key that could be guessed would make
/// project hashes and the erasure token guessable, so there is no fallback (the run
/// then goes without project hashes and erasure, and `telemetry status` says why).
fn new_key_hex() -> io::Result<String> {
    let key: [u8; 32] = crate::sys::random::secret()?;
    Ok(crate::formats::hex(&key))
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        key[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(key)
}

/// Reads `dir/name`, or creates it with `make()` so that concurrent first runs agree:
/// each writes a private temp file and links it into place without replacing; the
/// first link wins and the others read the winner's value. A file that exists but does
/// not pass `valid` (truncated by a full disk, edited by hand) is replaced, never
/// trusted and never a reason to stop the tool.
fn load_or_create_secret(
    dir: &Path,
    name: &str,
    make: impl FnOnce() -> io::Result<String>,
    valid: impl Fn(&str) -> bool,
) -> io::Result<String> {
    let path = dir.join(name);
    if let Some(v) = read(&path, &valid)? {
        return Ok(v);
    }
    std::fs::create_dir_all(dir)?;
    let candidate = make()?;
    let line = format!("{candidate}\n");
    if files::write_new(dir, name, line.as_bytes(), files::Durability::PowerLoss)? {
        return Ok(candidate);
    }
    match read(&path, &valid)? {
        Some(v) => Ok(v),
        None => {
            // Invalid, a symlink, or not a regular file: replaced (a rename replaces
            // the link itself, never what it points to).
            files::write_atomic(dir, name, line.as_bytes())?;
            Ok(candidate)
        }
    }
}

/// The valid value stored at `path`; `None` for anything to replace: missing,
/// invalid, a symlink, not a regular file, too large.
fn read(path: &Path, valid: &impl Fn(&str) -> bool) -> io::Result<Option<String>> {
    match files::read_capped(path, files::SECRET_CAP) {
        Ok(bytes) => Ok(std::str::from_utf8(&bytes)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| valid(t))),
        Err(ReadError::Io(kind)) => Err(kind.into()),
        Err(_) => Ok(None),
    }
}

/// The install id and the key as they are, creating nothing: what `telemetry delete`
/// proves the install with. Anything unreadable or invalid counts as absent.
pub(crate) fn existing(dir: &Path) -> (Option<String>, Option<[u8; 32]>) {
    let id = read(&dir.join(INSTALL_ID_FILE), &|t: &str| {
        Uuid::parse_str(t).is_ok()
    })
    .ok()
    .flatten();
    (id, read_key(dir))
}

/// Removes the install id and the hashing key (opting out by command deletes them).
pub(crate) fn delete(dir: &Path) -> io::Result<()> {
    for name in [INSTALL_ID_FILE, KEY_FILE] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

/// HMAC-SHA256 of `value` under `key`, as 32 hex characters (128 bits).
pub(crate) fn keyed_hash(key: &[u8; 32], value: &str) -> String {
    let mut mac = hash::HmacSha256::new(key);
    mac.update(value.as_bytes());
    crate::formats::hex(&mac.finish()[..16])
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

    #[cfg(unix)]
    #[test]
    fn symlinked_id_is_replaced_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let real = crate::sys::random::uuid_v4().to_string();
        std::fs::write(&target, &real).unwrap();
        let link = dir.path().join(INSTALL_ID_FILE);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert_ne!(
            id.to_string(),
            real,
            "an id behind a symlink is not trusted"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), real);
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
        // A dangling link does not make us create its target.
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        load_or_create(dir.path()).unwrap();
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn threads_racing_agree() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<Uuid> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16)
                .map(|_| s.spawn(|| load_or_create(dir.path()).unwrap()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "temp files must not be left behind");
    }

    #[test]
    fn key_is_stable_secret_and_keyed_hash_depends_on_it() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ka = load_or_create_key(a.path()).unwrap();
        assert_eq!(load_or_create_key(a.path()).unwrap(), ka);
        let kb = load_or_create_key(b.path()).unwrap();
        assert_ne!(ka, kb);
        let url = "https://github.com/acme/secret-repo";
        assert_eq!(keyed_hash(&ka, url), keyed_hash(&ka, url));
        assert_ne!(
            keyed_hash(&ka, url),
            keyed_hash(&kb, url),
            "unlinkable across installs"
        );
        assert_eq!(keyed_hash(&ka, url).len(), 32);
        assert!(!keyed_hash(&ka, url).contains("acme"));
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
