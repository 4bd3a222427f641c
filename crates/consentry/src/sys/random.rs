//! Random bytes from the OS, for ids, keys and temp file names. Only the hashing key
//! is a secret ([`secret`]); ids and names may fall back to unique bytes.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `N` bytes from the OS's generator (`getrandom`). Where it fails (no entropy source
/// at all, a sandbox refusing the call), bytes unique to this process, thread, call and
/// moment, but guessable, instead of the panic the `uuid` crate's `new_v4` gives:
/// telemetry never stops the tool.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if getrandom::fill(&mut out).is_err() {
        fallback(&mut out);
    }
    out
}

/// `N` bytes from the OS's generator, or its error: for secrets, which no fallback
/// may stand in for.
pub(crate) fn secret<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(out)
}

fn fallback(out: &mut [u8]) {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = DefaultHasher::new();
        let here = &raw const h as usize;
        (
            now,
            std::process::id(),
            std::thread::current().id(),
            call,
            i,
            here,
        )
            .hash(&mut h);
        chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
    }
}

/// A random (version 4) UUID.
pub(crate) fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_differ() {
        let (a, b) = (uuid_v4(), uuid_v4());
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(a, b);
    }

    #[test]
    fn the_fallback_differs_from_call_to_call() {
        let (mut a, mut b) = ([0u8; 20], [0u8; 20]);
        fallback(&mut a);
        fallback(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[..8], a[8..16], "each chunk is hashed with its index");
    }
}
