//! Subcommands, globals, aliases and positionals: where a token belongs.

use super::*;

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
fn nothing_at_all() {
    let masked = m(&[]);
    assert!(
        masked.args.is_empty() && masked.command_path.is_empty() && masked.options_used.is_empty()
    );
}

#[test]
fn schema_less_fallback_is_unchanged() {
    assert_eq!(
        mask_args(&["run"], ["run", "--pipeline=ds"]),
        ["run", "--pipeline", MASK]
    );
}

#[test]
fn a_rest_positional_takes_every_later_word_as_its_value() {
    let schema = Schema::new("runner")
        .option(Opt::long("color").value(Policy::allow(["always"])))
        .option(Opt::long("justfile").short('f').value(Policy::NameOnly))
        .positional(Param::new("recipe").policy(Policy::allow(["deploy"])))
        .positional(Param::new("arguments").rest());
    let run = |line: &[&str]| schema.mask(line, None);
    // The recipe is not the rest; its arguments are, whatever they look like.
    let m = run(&["deploy", "prod", "--color", "always", "-f", "/home/alice/x"]);
    assert_eq!(m.args, ["deploy", MASK, MASK, MASK, MASK, MASK]);
    assert!(m.options_used.is_empty(), "{m:?}");
    // An unknown option where the rest begins is its first value; a known one is not.
    let m = run(&["deploy", "--verbose", "--color", "always"]);
    assert_eq!(m.args, ["deploy", MASK, MASK, MASK]);
    assert!(m.options_used.is_empty(), "{m:?}");
    let m = run(&["deploy", "--color", "always", "x", "--color"]);
    assert_eq!(m.args, ["deploy", "--color", "always", MASK, MASK]);
    assert_eq!(m.options_used, ["--color"]);
}
