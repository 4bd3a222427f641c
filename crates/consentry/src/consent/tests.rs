//! The consent matrix: each source alone and in conflicting combinations.

use super::*;

#[derive(Clone, Copy, Debug)]
enum Env {
    Unset,
    False,
    Set,
}

fn env_value(e: Env) -> Option<OsString> {
    match e {
        Env::Unset => None,
        Env::False => Some("0".into()),
        Env::Set => Some("1".into()),
    }
}

fn says(v: Option<bool>) -> FileSays {
    v.map_or(FileSays::Nothing, FileSays::Enabled)
}

#[allow(clippy::too_many_arguments)] // one argument per consent source, as in the rule
/// The documented rule, written independently of `decide`: any off wins (first in
/// reading order names it); else the first on, where a project file's on never
/// counts; else CI rule; else the default.
fn expected(
    dnt: Env,
    tool: Env,
    flag: bool,
    project: Option<bool>,
    user: Option<bool>,
    policy: Option<bool>,
    ci_off: bool,
    default_on: bool,
) -> (bool, &'static str) {
    if matches!(dnt, Env::Set) {
        return (false, "dnt");
    }
    if matches!(tool, Env::Set) {
        return (false, "tool");
    }
    if flag {
        return (false, "flag");
    }
    for (v, name) in [(project, "project"), (user, "user"), (policy, "policy")] {
        if v == Some(false) {
            return (false, name);
        }
    }
    if ci_off {
        return (false, "ci");
    }
    for (v, name) in [(user, "user"), (policy, "policy")] {
        if v == Some(true) {
            return (true, name);
        }
    }
    if default_on {
        (true, "default")
    } else {
        (false, "optin")
    }
}

fn name(source: &Source) -> &'static str {
    match source {
        Source::EnvVar(v) if v == "DO_NOT_TRACK" => "dnt",
        Source::EnvVar(_) => "tool",
        Source::Flag(_) => "flag",
        Source::ProjectFile(_) => "project",
        Source::UserConfig(_) => "user",
        Source::Policy(_) => "policy",
        Source::Ci(_) => "ci",
        Source::Default => "default",
        Source::OptInDefault => "optin",
        Source::Unreadable { .. } => "unreadable",
        Source::DebugBuild => "debug",
    }
}

#[test]
fn full_matrix_matches_the_documented_rule() {
    let envs = [Env::Unset, Env::False, Env::Set];
    let files = [None, Some(false), Some(true)];
    let mut cases = 0;
    for dnt in envs {
        for tool in envs {
            for flag in [false, true] {
                for project in files {
                    for user in files {
                        for policy in files {
                            for ci_off in [false, true] {
                                for default_on in [false, true] {
                                    let env = vec![
                                        ("DO_NOT_TRACK".to_owned(), env_value(dnt)),
                                        ("T_TELEMETRY_OPTOUT".to_owned(), env_value(tool)),
                                    ];
                                    let mut files_read = false;
                                    let d = decide(
                                        &env,
                                        flag.then_some("--disable-telemetry"),
                                        || {
                                            files_read = true;
                                            Files {
                                                project: Some((".telemetry".into(), says(project))),
                                                user: Some(("telemetry.toml".into(), says(user))),
                                                policies: vec![(
                                                    "policy.toml".into(),
                                                    says(policy),
                                                )],
                                            }
                                        },
                                        || ci_off.then(|| "GitHubActions".to_owned()),
                                        default_on,
                                    );
                                    let want = expected(
                                        dnt, tool, flag, project, user, policy, ci_off, default_on,
                                    );
                                    let case = (
                                        dnt, tool, flag, project, user, policy, ci_off, default_on,
                                    );
                                    assert_eq!((d.enabled, name(&d.source)), want, "{case:?}");
                                    let noted = !d.ignored.is_empty();
                                    assert_eq!(
                                        noted,
                                        files_read && project == Some(true),
                                        "a project's yes is named as ignored: {case:?}"
                                    );
                                    let env_or_flag =
                                        matches!(dnt, Env::Set) || matches!(tool, Env::Set) || flag;
                                    assert_eq!(
                                        files_read, !env_or_flag,
                                        "files read only when needed: {case:?}"
                                    );
                                    cases += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cases, 3 * 3 * 2 * 27 * 2 * 2);
}

#[test]
fn broken_file_anywhere_opts_out() {
    let d = decide(
        &[],
        None,
        || Files {
            project: None,
            user: Some(("u".into(), FileSays::Enabled(true))),
            policies: vec![("p".into(), FileSays::Broken("bad".into()))],
        },
        || None,
        true,
    );
    assert!(!d.enabled);
    assert!(matches!(d.source, Source::Unreadable { .. }));
}

#[test]
fn project_file_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(PROJECT_FILE);
    for (text, want) in [
        ("consent: false\n", FileSays::Enabled(false)),
        (
            "# made by kedro new\nconsent: False  # no\n",
            FileSays::Enabled(false),
        ),
        ("---\nconsent: 'true'\nother: x\n", FileSays::Ignored),
        ("consent: no", FileSays::Enabled(false)),
        ("\u{FEFF}'consent': off", FileSays::Enabled(false)),
        ("other: 1\n", FileSays::Nothing),
        ("", FileSays::Nothing),
    ] {
        std::fs::write(&p, text).unwrap();
        assert_eq!(read_project_file(&p), want, "{text:?}");
    }
    // Flow style is not read, so it opts out as broken, `true` included.
    for bad in [
        "consent: maybe",
        "consent false",
        "\u{0}\u{1}",
        "{'consent': off}",
        "{consent: true}",
    ] {
        std::fs::write(&p, bad).unwrap();
        assert!(
            matches!(read_project_file(&p), FileSays::Broken(_)),
            "{bad:?}"
        );
    }
    std::fs::write(&p, b"\xff\xfe").unwrap();
    assert!(matches!(read_project_file(&p), FileSays::Broken(_)));
    std::fs::write(&p, "consent: false\n".repeat(10_000)).unwrap();
    match read_project_file(&p) {
        FileSays::Broken(why) => assert!(why.contains("larger than"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn project_consent_true_never_turns_telemetry_on() {
    let files = || Files {
        project: Some((".telemetry".into(), FileSays::Ignored)),
        user: None,
        policies: vec![],
    };
    let d = decide(&[], None, files, || None, false);
    assert!(!d.enabled);
    assert_eq!(d.source, Source::OptInDefault);
    assert_eq!(
        d.ignored,
        vec![Ignored::ProjectConsent(".telemetry".into())]
    );
    let shown = d.to_string();
    assert!(
        shown.contains("says consent: true: ignored, a repository cannot consent for you"),
        "{shown}"
    );
}

#[test]
fn project_file_found_upward_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(
        find_project_file(&deep).filter(|p| p.starts_with(dir.path())),
        None
    );
    let upper = dir.path().join("a").join(PROJECT_FILE);
    std::fs::write(&upper, "consent: false").unwrap();
    assert_eq!(find_project_file(&deep), Some(upper.clone()));
    // Whatever sits nearer is the project file, and anything but a regular file there
    // is unreadable (opts out), never followed or skipped.
    let near = deep.join(PROJECT_FILE);
    std::fs::create_dir(&near).unwrap();
    assert_eq!(find_project_file(&deep), Some(near.clone()));
    match read_project_file(&near) {
        FileSays::Broken(why) => assert!(why.contains("not a regular file"), "{why}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir(&near).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/proc/self/pagemap", &near).unwrap();
        assert_eq!(find_project_file(&deep), Some(near.clone()));
        match read_project_file(&near) {
            FileSays::Broken(why) => assert!(why.contains("symlink"), "{why}"),
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(&near).unwrap();
        std::os::unix::fs::symlink(&upper, &near).unwrap();
        assert!(matches!(read_project_file(&near), FileSays::Broken(_)));
        std::fs::remove_file(&near).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, &near, rustix::fs::Mode::RUSR).unwrap();
        assert!(matches!(read_project_file(&near), FileSays::Broken(_)));
    }
}
