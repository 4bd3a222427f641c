use super::*;

/// A tool with the shapes that matter: globals, a flag bundle, an allowlisted enum,
/// a hashed value, a multi-value option, aliases, and a nested subcommand.
pub(super) fn schema() -> Schema {
    Schema::new("taskr")
        .option(
            Opt::long("file")
                .short('f')
                .value(Policy::NameOnly)
                .global(),
        )
        .option(Opt::long("verbose").short('v').global())
        .option(
            Opt::long("color")
                .value(Policy::allow(["auto", "never"]))
                .require_equals(),
        )
        .subcommand(
            CommandSpec::new("add")
                .positional(Param::new("title"))
                .option(
                    Opt::long("priority")
                        .short('p')
                        .value(Policy::allow(["low", "normal", "high"])),
                )
                .option(
                    Opt::long("tag")
                        .short('t')
                        .alias("label")
                        .value(Policy::NameOnly),
                )
                .option(Opt::long("offset").value(Policy::AllowAny))
                .option(Opt::long("project").value(Policy::Hashed))
                .option(Opt::long("all").short('a'))
                .option(Opt::short_only('b')),
        )
        .subcommand(
            CommandSpec::new("remote")
                .alias("r")
                .option(Opt::long("dry-run").short('n').global())
                .subcommand(
                    CommandSpec::new("add")
                        .positional(Param::new("name"))
                        .positional(Param::new("url")),
                )
                .subcommand(
                    CommandSpec::new("remove").alias("rm").positional(
                        Param::new("names")
                            .policy(Policy::allow(["origin"]))
                            .multiple(),
                    ),
                ),
        )
        .subcommand(
            CommandSpec::new("cp")
                .option(
                    Opt::long("files")
                        .value(Policy::allow(["a"]))
                        .max_values(usize::MAX),
                )
                .positional(Param::new("from"))
                .positional(Param::new("to")),
        )
}

fn hash(value: &str) -> String {
    format!("h{}", value.len())
}

fn m(args: &[&str]) -> Masked {
    schema().mask(args, Some(&hash))
}

fn args(args: &[&str]) -> Vec<String> {
    m(args).args
}

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
fn double_dash_makes_everything_positional() {
    assert_eq!(
        args(&["add", "--", "--all", "-p"]),
        ["add", "--", MASK, MASK]
    );
    assert_eq!(
        args(&["remote", "rm", "--", "origin", "--x", "origin"]),
        ["remote", "rm", "--", "origin", MASK, "origin"]
    );
}

#[test]
fn dash_alone_is_a_positional() {
    assert_eq!(args(&["cp", "-", "-"]), ["cp", MASK, MASK]);
    assert_eq!(args(&["remote", "rm", "-"]), ["remote", "rm", MASK]);
}

#[test]
fn globals_before_between_and_after_subcommands() {
    let masked = m(&[
        "-v", "--file", "a.txt", "remote", "-n", "add", "--file=b", "-vf", "c", "-n", "o", "u",
    ]);
    assert_eq!(masked.command_path, ["remote", "add"]);
    assert_eq!(
        masked.args,
        [
            "-v", "--file", MASK, "remote", "-n", "add", "--file", MASK, "-vf", MASK, "-n", MASK,
            MASK
        ]
    );
    assert_eq!(masked.options_used, ["--verbose", "--file", "--dry-run"]);
}

#[test]
fn non_global_options_stay_in_their_command() {
    // `--priority` belongs to `add`; `--color` is the root's and is not global.
    assert_eq!(
        args(&["--priority", "high", "add", "--color=auto"]),
        [MASK, MASK, "add", MASK]
    );
}

#[test]
fn aliases_report_the_declared_name() {
    let masked = m(&["r", "rm", "origin", "fork"]);
    assert_eq!(masked.command_path, ["remote", "remove"]);
    assert_eq!(masked.args, ["r", "rm", "origin", MASK]);
}

#[test]
fn unknown_subcommand_masks_what_follows_except_globals() {
    let masked = m(&[
        "remote",
        "rename",
        "old",
        "--dry-run",
        "--file",
        "x",
        "--new",
        "v",
    ]);
    assert_eq!(masked.command_path, ["remote"]);
    assert_eq!(
        masked.args,
        [
            "remote",
            MASK,
            MASK,
            "--dry-run",
            "--file",
            MASK,
            MASK,
            MASK
        ]
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
fn extra_positionals_are_masked_and_multiple_absorbs() {
    assert_eq!(
        args(&["remote", "add", "o", "u", "extra"]),
        ["remote", "add", MASK, MASK, MASK]
    );
    assert_eq!(
        args(&["remote", "rm", "origin", "origin", "x"]),
        ["remote", "rm", "origin", "origin", MASK]
    );
}

#[test]
fn positional_named_like_a_subcommand_after_positionals() {
    // `cp` has no subcommands; its positionals are positionals whatever they spell.
    assert_eq!(args(&["cp", "add", "remote"]), ["cp", MASK, MASK]);
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
fn nothing_at_all() {
    let masked = m(&[]);
    assert!(
        masked.args.is_empty() && masked.command_path.is_empty() && masked.options_used.is_empty()
    );
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
fn schema_less_fallback_is_unchanged() {
    assert_eq!(
        mask_args(&["run"], ["run", "--pipeline=ds"]),
        ["run", "--pipeline", MASK]
    );
}
