//! Sampling: whether a run is one of the fraction the author sends
//! ([`TelemetryBuilder::with_sampling`](crate::TelemetryBuilder::with_sampling)).
//!
//! The unit is the install, not the run: an install is in the sample iff a uniform
//! value derived from its per-install key is below the rate, so it is in for all its
//! runs or for none. Counting a sampled install `1 / rate` times then estimates users,
//! retention and versions without bias (Horvitz-Thompson), which sampling runs alone
//! cannot: a user with 20 runs would be seen at 10 % with probability 0.88, not 0.1.
//! Where runs carry no linkable id there is nothing to keep together, so each run is
//! drawn on its own: a rotating id draws per install and period (from the key and the
//! period's number, as the id itself), no id (or no key) draws per run.

use std::time::Duration;

use super::hash::HmacSha256;

use crate::identity::choice::InstallId;

/// The smallest rate: one install in a million. Its weight, 1,000,000, is the largest
/// a gateway accepts (`collector-config/value-shapes.txt`).
pub(crate) const MIN_RATE: f64 = 1e-6;

/// Whether `rate` is one [`with_sampling`](crate::TelemetryBuilder::with_sampling)
/// accepts: in [`MIN_RATE`, 1].
pub(crate) fn valid_rate(rate: f64) -> bool {
    (MIN_RATE..=1.0).contains(&rate)
}

/// The weight a sent span carries: how many runs it stands for.
pub(crate) fn weight(rate: f64) -> f64 {
    1.0 / rate
}

/// The rate as a percentage for people: `10`, `0.5`, `7` (not `7.000000000000001`).
pub(crate) fn percent(rate: f64) -> String {
    let text = format!("{:.4}", rate * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What a run draws from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unit<'a> {
    /// The install: the same draw for every run with this key.
    Install(&'a [u8; 32]),
    /// The install within one rotation period, as the rotating id.
    Period {
        key: &'a [u8; 32],
        now_secs: u64,
        period: Duration,
    },
    /// This run alone.
    Run,
}

impl<'a> Unit<'a> {
    /// The unit of a run: per install with a kept id, per period with a rotating one,
    /// per run with none or without a key (no config dir, an unwritable one).
    pub(crate) fn of(choice: InstallId, key: Option<&'a [u8; 32]>, now_secs: u64) -> Self {
        match (choice, key) {
            (InstallId::None, _) | (_, None) => Unit::Run,
            (InstallId::Rotating(period), Some(key)) => Unit::Period {
                key,
                now_secs,
                period,
            },
            (InstallId::Random, Some(key)) => Unit::Install(key),
        }
    }

    /// A value uniform in [0, 1): the top 53 bits of an HMAC of the unit under the
    /// key (the key never leaves the machine, so nobody can tell from an id whether
    /// it is in the sample), or of fresh randomness for a run.
    fn draw(self) -> f64 {
        let bits = match self {
            Unit::Install(key) => mac(key, &[]),
            Unit::Period {
                key,
                now_secs,
                period,
            } => {
                let period = period.max(super::choice::MIN_PERIOD).as_secs();
                let mut data = period.to_be_bytes().to_vec();
                data.extend_from_slice(&(now_secs / period).to_be_bytes());
                mac(key, &data)
            }
            Unit::Run => u64::from_be_bytes(crate::sys::random::bytes()),
        };
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Whether the run is in the sample at `rate`.
    pub(crate) fn in_sample(self, rate: f64) -> bool {
        rate >= 1.0 || self.draw() < rate
    }
}

fn mac(key: &[u8; 32], data: &[u8]) -> u64 {
    let mut mac = HmacSha256::new(key);
    mac.update(b"consentry sample v1\0");
    mac.update(data);
    let out = mac.finish();
    u64::from_be_bytes(out[..8].try_into().expect("8 of 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> [u8; 32] {
        crate::identity::hash::sha256(&i.to_be_bytes())
    }

    /// Over many installs the fraction in the sample is the rate, within four
    /// binomial standard errors; and a rate of 1 keeps everyone.
    #[test]
    fn the_fraction_of_installs_in_the_sample_is_the_rate() {
        let n = 20_000u32;
        for rate in [0.5, 0.1, 0.01] {
            let keys: Vec<[u8; 32]> = (0..n).map(key).collect();
            let inside = keys
                .iter()
                .filter(|k| Unit::Install(k).in_sample(rate))
                .count() as f64;
            let sd = (f64::from(n) * rate * (1.0 - rate)).sqrt();
            assert!(
                (inside - f64::from(n) * rate).abs() < 4.0 * sd,
                "rate {rate}: {inside} of {n}"
            );
        }
        assert!((0..1000).all(|i| Unit::Install(&key(i)).in_sample(1.0)));
    }

    #[test]
    fn an_install_is_in_or_out_for_all_its_runs() {
        for i in 0..200 {
            let k = key(i);
            let first = Unit::Install(&k).in_sample(0.3);
            assert!((0..20).all(|_| Unit::Install(&k).in_sample(0.3) == first));
            // Raising the rate never drops an install that was in.
            if first {
                assert!(Unit::Install(&k).in_sample(0.6));
            }
        }
    }

    #[test]
    fn a_period_draws_once_and_runs_draw_each_time() {
        let day = Duration::from_secs(86_400);
        let start = 20_000 * 86_400;
        let n = 4000u32;
        let mut moved = 0;
        for i in 0..n {
            let k = key(i);
            let at = |s| Unit::Period {
                key: &k,
                now_secs: s,
                period: day,
            };
            assert_eq!(at(start).in_sample(0.5), at(start + 86_399).in_sample(0.5));
            moved += usize::from(at(start).in_sample(0.5) != at(start + 86_400).in_sample(0.5));
        }
        // Independent draws per period: about half the installs change sides.
        assert!((1700..2300).contains(&moved), "{moved}");
        let runs = (0..n).filter(|_| Unit::Run.in_sample(0.5)).count();
        assert!((1800..2200).contains(&runs), "{runs}");
    }

    #[test]
    fn the_unit_follows_the_identity_choice() {
        let k = key(1);
        assert!(matches!(
            Unit::of(InstallId::Random, Some(&k), 0),
            Unit::Install(_)
        ));
        assert!(matches!(Unit::of(InstallId::Random, None, 0), Unit::Run));
        assert!(matches!(Unit::of(InstallId::None, Some(&k), 0), Unit::Run));
        assert!(matches!(
            Unit::of(InstallId::Rotating(Duration::from_secs(3600)), Some(&k), 0),
            Unit::Period { .. }
        ));
    }

    #[test]
    fn rates_and_weights() {
        assert!(valid_rate(1.0) && valid_rate(0.01) && valid_rate(MIN_RATE));
        assert!(!valid_rate(0.0) && !valid_rate(1.5) && !valid_rate(f64::NAN));
        assert!(!valid_rate(-0.1) && !valid_rate(MIN_RATE / 2.0));
        assert_eq!(weight(0.1), 10.0);
        assert_eq!(weight(MIN_RATE), 1e6);
        assert_eq!(percent(0.07), "7");
        assert_eq!(percent(0.005), "0.5");
        assert_eq!(percent(1e-6), "0.0001");
        assert_eq!(percent(1.0), "100");
    }
}
