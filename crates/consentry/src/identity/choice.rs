//! Which install id a run carries: the author's choice between linkable runs (a random
//! id kept on the machine), runs linkable only within a period (a rotating id), or no
//! id at all; and in CI, one shared id per CI vendor instead of a new id per fresh
//! container.

use std::time::Duration;

use uuid::Uuid;

use super::hash::{HmacSha256, Sha256};

/// Which `app.installation.id` runs carry
/// ([`TelemetryBuilder::with_install_id`](crate::TelemetryBuilder::with_install_id)).
/// Whatever the choice, CI runs follow
/// [`with_shared_ci_id`](crate::TelemetryBuilder::with_shared_ci_id) instead.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstallId {
    /// A random UUID v4 made on first use and kept in the config dir (the default):
    /// the operator can count users and follow retention.
    #[default]
    Random,
    /// A new id every period (at least one hour; shorter is raised to one hour),
    /// derived from the per-install key and the period's number since the Unix epoch
    /// (UTC), so no id file is kept: runs within one period link, runs in different
    /// periods do not. Users per period stay countable; retention across periods is
    /// not.
    Rotating(Duration),
    /// No install id: runs cannot be linked to each other. Runs, commands, errors and
    /// durations stay countable; users and retention are not.
    None,
}

/// The shortest rotation period.
pub(crate) const MIN_PERIOD: Duration = Duration::from_secs(3600);

/// The rotating id of the period `now_secs` falls in.
pub(crate) fn rotating(key: &[u8; 32], now_secs: u64, period: Duration) -> Uuid {
    let period = period.max(MIN_PERIOD).as_secs();
    let mut mac = HmacSha256::new(key);
    mac.update(b"consentry rotating install id\0");
    mac.update(&period.to_be_bytes());
    mac.update(&(now_secs / period).to_be_bytes());
    let bytes: [u8; 16] = mac.finish()[..16].try_into().expect("16 of 32 bytes");
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The id every CI run of `vendor` shares (`unknown` when the vendor is not known): a
/// hash of the vendor's name, the same on every runner, so a pipeline's fresh
/// containers count as one CI install per vendor, never as new users.
pub(crate) fn shared_ci(vendor: Option<&str>) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"consentry shared ci install id\0");
    h.update(vendor.unwrap_or("unknown").as_bytes());
    let digest = h.finish();
    let bytes: [u8; 16] = digest[..16].try_into().expect("16 of 32 bytes");
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotating_id_holds_for_its_period_and_changes_with_the_next() {
        let key = [7u8; 32];
        let day = Duration::from_secs(86_400);
        let start = 20_000 * 86_400;
        let a = rotating(&key, start, day);
        assert_eq!(a, rotating(&key, start + 86_399, day));
        assert_ne!(a, rotating(&key, start + 86_400, day));
        assert_ne!(a, rotating(&[8u8; 32], start, day), "another install");
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
        // Shorter than an hour is an hour.
        assert_eq!(
            rotating(&key, 3600 * 5, Duration::ZERO),
            rotating(&key, 3600 * 5 + 3599, Duration::from_secs(1))
        );
    }

    #[test]
    fn the_shared_ci_id_is_one_per_vendor() {
        let gh = shared_ci(Some("GitHubActions"));
        assert_eq!(gh, shared_ci(Some("GitHubActions")));
        assert_ne!(gh, shared_ci(Some("GitLabCI")));
        assert_ne!(gh, shared_ci(None));
        assert_eq!(gh.get_version(), Some(uuid::Version::Custom));
    }
}
