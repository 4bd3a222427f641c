//! Erasure without an account: a proof that only this install can make.
//!
//! Every span of an install with an id kept on the machine carries a *commitment*,
//! `hex(SHA-256(hex(token)))`, where the *token* is `HMAC-SHA256(per-install key, "consentry
//! erasure v1" || install id)`. The key never leaves the machine, so only this install
//! can make the token; `<tool> telemetry delete` sends it (once, after deleting the key
//! and the id), and the store erases the rows whose commitment is its SHA-256. Knowing
//! an install id does not help anyone else: without the key there is no token, and a
//! made-up token hashes to a commitment no row carries. The commitment is as linkable
//! as the install id it goes with (the id is part of the token), so a rotating id gets
//! a new commitment each period, and runs without a kept id (`InstallId::None`, CI's
//! shared id) carry none: they cannot be linked to an install, so there is nothing of
//! theirs to erase.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::choice;
use super::hash::{HmacSha256, sha256};
use crate::formats::hex;

/// What the token is derived under, with the install id after it.
const CONTEXT: &[u8] = b"consentry erasure v1\0";

/// The most tokens one erase request carries: a rotating id has one per period since
/// the key was made; beyond this many periods back only the most recent are asked for
/// (an hourly id: 41 days; a daily id: 2.7 years).
pub(crate) const MAX_TOKENS: usize = 1000;

/// The erasure token of `install_id` under the per-install key.
pub(crate) fn token(key: &[u8; 32], install_id: &str) -> [u8; 32] {
    let mut mac = HmacSha256::new(key);
    mac.update(CONTEXT);
    mac.update(install_id.as_bytes());
    mac.finish()
}

/// The commitment a token proves: the lower-case hex SHA-256 of the token as it is
/// sent (64 lower-case hex characters), so that a store computes it from the stored
/// text with its own `sha256` (DuckDB `sha256(t)`, ClickHouse `lower(hex(SHA256(t)))`).
pub(crate) fn commitment(token: &[u8; 32]) -> String {
    hex(&sha256(hex(token).as_bytes()))
}

/// The tokens of every id this install may have sent under `key`: the id in the id
/// file (a random id), and with a rotating id (`rotating`, its period) each period's id
/// back to when the key was made, the most recent [`MAX_TOKENS`] first.
pub(crate) fn tokens(
    key: &[u8; 32],
    random_id: Option<&str>,
    rotating: Option<Duration>,
    key_made: Option<SystemTime>,
    now_secs: u64,
) -> Vec<[u8; 32]> {
    let mut out: Vec<[u8; 32]> = random_id.map(|id| token(key, id)).into_iter().collect();
    if let Some(period) = rotating {
        let step = period.max(choice::MIN_PERIOD).as_secs();
        let made = key_made
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        // An hour early, for a clock that moved back since the key was written.
        let last = now_secs / step;
        let first = (made.saturating_sub(3600) / step)
            .max(last.saturating_sub(MAX_TOKENS as u64 - 1 - out.len() as u64));
        out.extend((first..=last).rev().map(|n| {
            let id = choice::rotating(key, n * step, Duration::from_secs(step));
            token(key, &id.to_string())
        }));
    }
    out
}

/// When the key file at `dir` was last written (made), read without following a
/// symlink; `None` when unknown.
pub(crate) fn key_made(dir: &Path) -> Option<SystemTime> {
    std::fs::symlink_metadata(dir.join(super::KEY_FILE))
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|m| m.modified().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_is_the_sha256_of_a_token_only_the_key_makes() {
        let id = "0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10";
        let t = token(&[1; 32], id);
        assert_eq!(t, token(&[1; 32], id));
        assert_ne!(t, token(&[2; 32], id), "another key, another token");
        assert_ne!(
            t,
            token(&[1; 32], "0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a11"),
            "another id, another token"
        );
        let c = commitment(&t);
        assert_eq!(c.len(), 64);
        assert_eq!(c, hex(&sha256(hex(&t).as_bytes())));
        assert_ne!(c, hex(&t), "the commitment does not reveal the token");
    }

    #[test]
    fn tokens_cover_each_id_the_install_could_have_sent() {
        let key = [3; 32];
        let id = "0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10";
        assert!(tokens(&key, None, None, None, 0).is_empty());
        assert_eq!(tokens(&key, Some(id), None, None, 0), vec![token(&key, id)]);
        let day = Duration::from_secs(86_400);
        let now = 20_000 * 86_400 + 500;
        let made = SystemTime::UNIX_EPOCH + Duration::from_secs(now - 3 * 86_400);
        let all = tokens(&key, None, Some(day), Some(made), now);
        // Today, the three days before, and the day an hour before the key was made.
        assert_eq!(all.len(), 5, "{}", all.len());
        for back in 0..4 {
            let sent = choice::rotating(&key, now - back * 86_400, day);
            assert!(all.contains(&token(&key, &sent.to_string())), "{back}");
        }
        let bounded = tokens(&key, Some(id), Some(day), None, now);
        assert_eq!(bounded.len(), MAX_TOKENS);
        assert_eq!(
            bounded[1], all[0],
            "the kept id, then the most recent period"
        );
    }
}
