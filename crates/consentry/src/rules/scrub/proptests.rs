//! Property tests: planted secrets never survive, and scrubbing is total and idempotent.

use proptest::prelude::*;

use super::*;

/// Random text around the planted value: any characters, and characters that often
/// stand next to secrets in messages.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,30}", "[ a-z0-9:/=@.'\"()\\[\\],;-]{0,30}"]
}

fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9._+-]{0,10}@[a-z]{2,8}\\.(com|org|example)",
        "(ghp_|github_pat_|sk-|xoxb-|glpat-)[A-Za-z0-9]{16,36}",
        "eyJ[A-Za-z0-9_-]{10,30}\\.[A-Za-z0-9_-]{10,30}\\.[A-Za-z0-9_-]{10,40}",
        "[A-Za-z0-9+/_-]{20,48}".prop_filter("random-looking", |t| patterns::looks_random(t)),
        "/home/alice(/[A-Za-z0-9_.-]{1,12}){0,3}",
        "(/(etc|var|srv|tmp)|[A-Z]:\\\\Users)([/\\\\][A-Za-z0-9_.-]{1,12}){1,3}",
        "https://[a-z]{1,8}:[A-Za-z0-9]{4,12}@example\\.com",
        "(10|172|192)\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"
            .prop_filter("an address", |ip| ip.parse::<std::net::Ipv4Addr>().is_ok()),
    ]
}

/// What must not survive of `secret`: all of it, except for URLs with credentials,
/// where only the password is secret.
fn hidden_part(secret: &str) -> &str {
    match secret.strip_prefix("https://") {
        Some(rest) => rest.split_once('@').map_or(rest, |(userinfo, _)| userinfo),
        None => secret,
    }
}

fn alice() -> Scrubber {
    Scrubber::new().with_home("/home/alice").with_user("alice")
}

proptest! {
    #[test]
    fn planted_secrets_never_survive(before in text(), secret in secret(), after in text()) {
        // Secrets stand apart from the words around them, as in real messages.
        let line = format!("{before} {secret} {after}");
        let out = alice().scrub(&line);
        prop_assert!(!out.contains(hidden_part(&secret)), "{line:?} -> {out:?}");
        prop_assert!(!out.contains("alice"), "{line:?} -> {out:?}");
    }

    #[test]
    fn scrub_is_idempotent(text in "\\PC{0,80}") {
        let once = alice().scrub(&text);
        prop_assert_eq!(alice().scrub(&once), once);
    }

    #[test]
    fn scrub_is_idempotent_on_secret_laden_text(before in text(), secret in secret(), after in text()) {
        let once = alice().scrub(&format!("{before}{secret}{after}"));
        prop_assert_eq!(alice().scrub(&once), once);
    }

    #[test]
    fn scrub_error_is_bounded(text in "\\PC{0,1500}") {
        #[derive(Debug)]
        struct E(String);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Error for E {}
        prop_assert!(alice().scrub_error(&E(text)).len() <= MAX_ERROR_LEN);
    }

    /// The libm-free `log2` of the entropy test agrees with the C library's over the
    /// range of normal numbers, so a token's verdict (entropy >= 3 bits) is the same.
    #[test]
    fn log2_without_libm_agrees_with_the_c_library(x in prop::num::f64::POSITIVE | prop::num::f64::NORMAL) {
        prop_assume!(x.is_normal() && x > 0.0);
        let (ours, libm) = (patterns::log2(x), x.log2());
        prop_assert!((ours - libm).abs() <= 1e-12 * libm.abs().max(1.0), "{x}: {ours} vs {libm}");
    }
}

/// Powers of two, the probabilities that put a token exactly on the 3-bit line (eight
/// symbols equally often), come out exact, as the C library's do.
#[test]
fn log2_of_a_power_of_two_is_exact() {
    for k in -60..60 {
        assert_eq!(patterns::log2(2f64.powi(k)), f64::from(k), "2^{k}");
    }
    assert_eq!(patterns::entropy("abcdefgh"), 3.0);
}
