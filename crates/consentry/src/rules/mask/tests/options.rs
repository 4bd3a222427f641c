//! Option spellings and what becomes of their values.

use super::*;

#[test]
fn long_options_in_both_spellings() {
    assert_eq!(
        args(&[
            "add",
            "call alice",
            "--priority",
            "high",
            "--tag=home",
            "--label",
            "x"
        ]),
        [
            "add",
            MASK,
            "--priority",
            "high",
            "--tag",
            MASK,
            "--label",
            MASK
        ]
    );
    assert_eq!(m(&["add", "--tag=a", "--label=b"]).options_used, ["--tag"]);
}

#[test]
fn allowlist_outside_the_set_is_masked() {
    assert_eq!(
        args(&["add", "-p", "urgent", "--priority=High"]),
        ["add", "-p", MASK, "--priority", MASK]
    );
}

#[test]
fn short_forms_and_bundles() {
    assert_eq!(
        args(&["add", "-phigh", "-p=low", "-ab", "-abt", "secret"]),
        ["add", "-p", "high", "-p", "low", "-ab", "-abt", MASK]
    );
    assert_eq!(
        args(&["add", "-abphigh", "-vvv"]),
        ["add", "-abp", "high", "-vvv"]
    );
    assert_eq!(
        m(&["add", "-abphigh"]).options_used,
        ["--all", "-b", "--priority"]
    );
}

#[test]
fn unknown_letters_in_a_bundle_are_masked() {
    assert_eq!(
        args(&["add", "-axyz", "-xa", "title"]),
        ["add", "-a", MASK, MASK, MASK]
    );
}

#[test]
fn repeated_options() {
    assert_eq!(
        args(&["add", "-t", "a", "-t", "b", "--tag", "c"]),
        ["add", "-t", MASK, "-t", MASK, "--tag", MASK]
    );
}

#[test]
fn option_values_that_look_like_options() {
    assert_eq!(
        args(&["add", "--offset", "-5", "--tag", "--all"]),
        ["add", "--offset", "-5", "--tag", MASK]
    );
    // "Any value" does not cover one that looks like an option: it is masked.
    assert_eq!(
        args(&["add", "--offset", "--", "t"]),
        ["add", "--offset", MASK, MASK]
    );
    assert_eq!(
        args(&["add", "--offset", "--S3Csecret"]),
        ["add", "--offset", MASK]
    );
}

#[test]
fn unknown_options_mask_their_possible_value() {
    assert_eq!(
        args(&["--token", "s3cret", "add", "t"]),
        [MASK, MASK, "add", MASK]
    );
    assert_eq!(args(&["add", "--token=s3cret", "t"]), ["add", MASK, MASK]);
    assert_eq!(args(&["add", "-x", "s3cret"]), ["add", MASK, MASK]);
}

#[test]
fn flags_given_a_value() {
    assert_eq!(args(&["add", "--all=yes"]), ["add", "--all", MASK]);
}

#[test]
fn require_equals_takes_no_separate_value() {
    assert_eq!(
        args(&["--color", "add", "--color=never"]),
        ["--color", "add", MASK]
    );
    assert_eq!(
        args(&["--color=never", "--color=x", "add"]),
        ["--color", "never", "--color", MASK, "add"]
    );
}

#[test]
fn multiple_values_until_an_option() {
    assert_eq!(
        args(&["cp", "--files", "a", "b", "-1", "--", "x", "y"]),
        ["cp", "--files", "a", MASK, MASK, "--", MASK, MASK]
    );
    assert_eq!(
        args(&["cp", "--files=a", "a", "--files", "b"]),
        ["cp", "--files", "a", "a", "--files", MASK]
    );
}

#[test]
fn a_fixed_number_of_values_whatever_they_look_like() {
    // The second word of `--pair` reads like an option with an allowed value: it is
    // still the pair's value, and the positional after it is not `--files`' value.
    assert_eq!(
        args(&["cp", "--pair", "k", "--files", "a", "b"]),
        ["cp", "--pair", MASK, MASK, MASK, MASK]
    );
    assert_eq!(
        m(&["cp", "--pair", "k", "--files", "a"]).options_used,
        ["--pair"]
    );
    assert_eq!(
        args(&["cp", "--pair=k", "--", "x", "-v"]),
        ["cp", "--pair", MASK, MASK, MASK, "-v"]
    );
    // Only the first `n`: later words that look like options are options again.
    assert_eq!(
        args(&["cp", "--pair", "-k", "-v", "--files", "a"]),
        ["cp", "--pair", MASK, MASK, "--files", "a"]
    );
    assert_eq!(args(&["cp", "--pair", "k"]), ["cp", "--pair", MASK]);
}

#[test]
fn hashed_values_use_the_hasher_or_are_masked() {
    assert_eq!(
        args(&["add", "--project", "acme"]),
        ["add", "--project", "h4"]
    );
    assert_eq!(
        schema().mask(["add", "--project=acme"], None).args,
        ["add", "--project", MASK]
    );
}

#[test]
fn empty_strings() {
    assert_eq!(args(&["", "add", ""]), [MASK, MASK, MASK]);
    assert_eq!(
        args(&["add", "--offset", "", "--priority=", ""]),
        ["add", "--offset", "", "--priority", MASK, MASK]
    );
    assert_eq!(args(&["add", "--=x", "--"]), ["add", MASK, "--"]);
}

#[test]
fn value_missing_at_the_end() {
    assert_eq!(args(&["add", "t", "--tag"]), ["add", MASK, "--tag"]);
}

#[cfg(unix)]
#[test]
fn non_utf8_values_and_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let raw: [&[u8]; 6] = [
        b"add",
        b"--offset=\xff",
        b"--of\xfffset",
        b"-a\xff",
        b"-p\xff",
        b"\xff",
    ];
    let masked = schema().mask(raw.iter().map(|b| OsStr::from_bytes(b)), Some(&hash));
    assert_eq!(
        masked.args,
        ["add", "--offset", MASK, MASK, "-a", MASK, "-p", MASK, MASK]
    );
}

#[test]
fn a_flag_table_in_a_few_lines_numbers_negations_and_choices() {
    let schema = Schema::new("finder")
        .flags(["hidden", "follow"])
        .option(Opt::long("ignore").negatable())
        .option(Opt::long("max-depth").short('d').value(Policy::Number))
        .option(Opt::long("color").value(Policy::allow(["auto", "always", "never"])))
        .positional(Param::new("pattern"));
    let m = schema.mask(
        [
            "--hidden",
            "--no-ignore",
            "-d",
            "3",
            "--max-depth=1e400",
            "--color",
            "always",
            "--no-follow",
            "secret",
        ],
        None,
    );
    assert_eq!(
        m.args,
        [
            "--hidden",
            "--no-ignore",
            "-d",
            "3",
            "--max-depth",
            MASK,
            "--color",
            "always",
            MASK,
            MASK
        ]
    );
    assert_eq!(
        m.options_used,
        ["--hidden", "--no-ignore", "--max-depth", "--color"]
    );
    // A number policy sends numbers only: never text, a path or a huge literal.
    for (value, sent) in [
        ("12", "12"),
        ("-3", "-3"),
        ("0.5", "0.5"),
        ("12abc", MASK),
        ("/home/alice", MASK),
        ("NaN", MASK),
        ("inf", MASK),
        ("1234567890123456789012345", MASK),
    ] {
        let m = schema.mask(["-d", value], None);
        assert_eq!(m.args, ["-d", sent], "{value}");
    }
}
