//! Property tests: a secret planted anywhere in a command line never comes out unless
//! it is the value of a parameter declared [`Policy::AllowAny`], and nothing panics.

use proptest::prelude::*;

use super::tests::schema;
use super::*;

/// A secret no declared name or allowed value contains: a token, an email address, or
/// a path under a home directory.
fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "S3C[A-Za-z0-9_-]{8,30}",
        "[a-z]{1,8}(\\.[a-z]{1,8})?@[a-z]{2,8}\\.(com|org|io)",
        "/home/[a-z]{2,8}(/[A-Za-z0-9_.-]{1,12}){0,3}",
    ]
}

/// Words the schema knows, in every spelling, with the one `AllowAny` option left out
/// so that it can be planted on purpose.
const KNOWN: &[&str] = &[
    "add",
    "remote",
    "r",
    "rm",
    "remove",
    "cp",
    "--",
    "-",
    "",
    "-v",
    "-vv",
    "-n",
    "--verbose",
    "--file",
    "-f",
    "-vf",
    "--priority",
    "-p",
    "low",
    "high",
    "origin",
    "--tag",
    "-t",
    "--label",
    "--all",
    "-a",
    "-ab",
    "-abt",
    "-b",
    "--project",
    "--color",
    "--color=auto",
    "--files",
    "--pair",
    "a",
    "-5",
    "--dry-run",
    "--unknown",
    "-x",
    "word",
];

/// Where the secret is planted: `{}` stands for it.
const FORMS: &[&str] = &[
    "{}",
    "--{}",
    "-{}",
    "--file={}",
    "--tag={}",
    "--priority={}",
    "--project={}",
    "--color={}",
    "--files={}",
    "--pair={}",
    "-p{}",
    "-t{}",
    "-ab{}",
    "-abt{}",
    "-vf{}",
    "--{}=x",
    "-p={}",
    "--offset={}",
];

/// One token: a known word, or the secret alone, as an option name, or as a value in
/// each syntax.
fn token(secret: String) -> impl Strategy<Value = String> {
    let known = proptest::sample::select(KNOWN).prop_map(str::to_owned);
    let planted = proptest::sample::select(FORMS).prop_map(move |form| form.replace("{}", &secret));
    prop_oneof![3 => known, 2 => planted, 1 => Just("--offset".to_owned())]
}

fn command_line() -> impl Strategy<Value = (String, Vec<String>)> {
    secret().prop_flat_map(|s| (Just(s.clone()), proptest::collection::vec(token(s), 0..12)))
}

/// Whether `args` plants `secret` as the value of `--offset`, the one `AllowAny` option.
fn planted_as_allowed(args: &[String], secret: &str) -> bool {
    args.iter().any(|a| *a == format!("--offset={secret}"))
        || args
            .windows(2)
            .any(|w| w[0] == "--offset" && w[1] == secret)
}

fn hash(value: &str) -> String {
    format!("h{}", value.len())
}

proptest! {
    #[test]
    fn secrets_come_out_only_as_allowed_values((secret, args) in command_line()) {
        let masked = schema().mask(&args, Some(&hash));
        let leaked = masked.args.iter().chain(&masked.command_path).chain(&masked.options_used)
            .any(|t| t.contains(&secret));
        prop_assert!(!leaked || planted_as_allowed(&args, &secret), "{args:?} -> {masked:?}");
    }

    #[test]
    fn allowed_values_do_come_out(secret in secret()) {
        let masked = schema().mask(["add", "--offset", &secret], None);
        prop_assert_eq!(&masked.args[2], &secret);
    }

    #[test]
    fn fallback_never_sends_values((secret, args) in command_line()) {
        // Without a schema an unknown `--NAME` keeps a plain NAME, so only secrets that
        // are not plain names are checked in that form.
        let masked = mask_args(&["add"], &args);
        let plain_name = secret.starts_with("S3C");
        let leaked = masked.iter().any(|t| t.contains(&secret) && !(plain_name && t.starts_with("--")));
        prop_assert!(!leaked, "{args:?} -> {masked:?}");
    }

    #[test]
    fn never_panics_on_arbitrary_strings(args in proptest::collection::vec(any::<String>(), 0..10)) {
        let masked = schema().mask(&args, Some(&hash));
        prop_assert!(masked.args.len() >= args.len());
        let _ = mask_args(&["add"], &args);
    }
}

#[cfg(unix)]
proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 0..10)) {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let args: Vec<OsString> = raw.into_iter().map(OsString::from_vec).collect();
        let masked = schema().mask(&args, Some(&hash));
        prop_assert!(masked.args.len() >= args.len());
        let _ = mask_args(&[], &args);
    }
}
