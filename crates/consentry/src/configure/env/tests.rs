//! The opt-out rule, and what a configured tool reads from the environment it is given.

use super::*;
use std::ffi::OsString;
use std::path::Path;

#[test]
fn unset_and_false_words_do_not_opt_out() {
    assert!(!opts_out(None));
    for v in ["0", "false", "FALSE", " no ", "Off", "\toff\n"] {
        assert!(!opts_out(Some(OsStr::new(v))), "{v:?}");
    }
}

#[test]
fn every_other_value_opts_out() {
    for v in [
        "", " ", "1", "true", "yes", "on", "2", "nope", "0 0", "disable",
    ] {
        assert!(opts_out(Some(OsStr::new(v))), "{v:?}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_value_opts_out() {
    use std::os::unix::ffi::OsStringExt;
    let v = OsString::from_vec(vec![0x66, 0xff, 0x00]);
    assert!(opts_out(Some(&v)));
}

#[test]
fn prefix_is_upper_snake() {
    assert_eq!(env_prefix("taskr"), "TASKR");
    assert_eq!(env_prefix("my-tool.v2"), "MY_TOOL_V2");
}

mod configured {
    use std::path::Path;

    use crate::configure::env::FixedEnv;
    use crate::tests::support::env;
    use crate::{EndpointProblem, Note, ReadError, Source, Telemetry, TelemetryBuilder};

    fn tool(dir: &Path, env: FixedEnv) -> TelemetryBuilder {
        Telemetry::builder("tool")
            .with_env(env)
            .with_debug_builds(true)
            .with_spool_dir(dir.join("state/spool"))
            .with_endpoint("http://127.0.0.1:9")
            .with_panic_hook(false)
    }

    fn source(dir: &Path, env: FixedEnv) -> Source {
        tool(dir, env).build().unwrap().decide().source
    }

    #[test]
    fn only_the_given_environment_decides() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Whatever this machine has set, an environment with nothing set decides by
        // the default.
        assert_eq!(source(d, env(d)), Source::Default);
        assert_eq!(
            source(d, env(d).var("DO_NOT_TRACK", "1")),
            Source::EnvVar("DO_NOT_TRACK".into())
        );
        assert_eq!(
            source(d, env(d).var("TOOL_TELEMETRY_OPTOUT", "yes")),
            Source::EnvVar("TOOL_TELEMETRY_OPTOUT".into())
        );
        assert_eq!(source(d, env(d).var("DO_NOT_TRACK", "0")), Source::Default);
    }

    #[test]
    fn ci_comes_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let in_ci = |env: FixedEnv| {
            tool(d, env)
                .with_disabled_in_ci(true)
                .build()
                .unwrap()
                .decide()
                .source
        };
        assert_eq!(in_ci(env(d)), Source::Default);
        assert_eq!(
            in_ci(env(d).ci(Some("GitHubActions"))),
            Source::Ci("GitHubActions".into())
        );
        assert_eq!(in_ci(env(d).ci(None)), Source::Ci("unknown".into()));
    }

    #[test]
    fn the_disable_flag_is_looked_for_in_the_given_arguments_before_a_double_dash() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(
            source(d, env(d).args(["tool", "x", "--disable-telemetry"])),
            Source::Flag("--disable-telemetry".into())
        );
        assert_eq!(
            source(d, env(d).args(["tool", "--", "--disable-telemetry"])),
            Source::Default
        );
    }

    #[test]
    fn directories_follow_the_given_home() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let t = Telemetry::builder("tool").with_env(env(d)).build().unwrap();
        assert_eq!(t.config_dir(), Some(d.join("home/.config/tool")));
        assert_eq!(
            t.status().spool_dir,
            Some(d.join("home/.local/state/tool/telemetry-spool"))
        );
        let homeless = Telemetry::builder("tool")
            .with_env(FixedEnv::new())
            .build()
            .unwrap();
        assert_eq!(homeless.config_dir(), None);
    }

    #[test]
    fn endpoint_problems_are_typed_and_name_their_variable() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let problem = |env: FixedEnv| {
            let t = crate::tests::support::opted_in(d, tool(d, env));
            t.resolve_endpoint().err()
        };
        assert_eq!(problem(env(d)), None);
        assert_eq!(
            problem(env(d).var("TOOL_TELEMETRY_PROTOCOL", "smtp")),
            Some(EndpointProblem::UnknownProtocol {
                var: "TOOL_TELEMETRY_PROTOCOL".into()
            })
        );
        assert!(matches!(
            problem(env(d).var("TOOL_TELEMETRY_ENDPOINT", "ftp://x")),
            Some(EndpointProblem::Invalid { var, .. }) if var == "TOOL_TELEMETRY_ENDPOINT"
        ));
        assert_eq!(
            problem(env(d).var("TOOL_TELEMETRY_CA_FILE", d.join("missing.pem"))),
            Some(EndpointProblem::CaFile {
                var: "TOOL_TELEMETRY_CA_FILE".into(),
                reason: ReadError::Missing
            })
        );
        let t = crate::tests::support::opted_in(
            d,
            tool(d, env(d).var("TOOL_TELEMETRY_PROTOCOL", "smtp")),
        );
        let guard = t.init();
        assert!(guard.is_enabled());
        assert_eq!(
            guard.notes(),
            [Note::Endpoint(EndpointProblem::UnknownProtocol {
                var: "TOOL_TELEMETRY_PROTOCOL".into()
            })]
        );
        assert_eq!(
            guard.notes()[0].to_string(),
            "TOOL_TELEMETRY_PROTOCOL is not grpc or http/protobuf; nothing is sent"
        );
    }

    #[test]
    fn the_run_takes_its_arguments_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let t = crate::tests::support::opted_in(
            d,
            tool(d, env(d).args(["tool", "add", "x", "y"])).with_uploader(false),
        );
        let mut guard = t.init();
        guard.run().finish(0);
        let request = guard.take_request().unwrap();
        let span = &request.resource_spans[0].scope_spans[0].spans[0];
        let count = span
            .attributes
            .iter()
            .find(|kv| kv.key == "process.args_count")
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.clone());
        use opentelemetry_proto::tonic::common::v1::any_value::Value;
        assert_eq!(count, Some(Value::IntValue(4)));
    }
}

/// `OsEnv`'s directories against the `directories` crate's (what consentry used
/// before), in this process's own environment.
#[cfg(unix)]
fn dirs_match_directories() -> Result<(), String> {
    for tool in ["taskr", "My Tool", " Ünï  cödé ", "a.b-c_d"] {
        let ours = OsEnv.tool_dirs(tool);
        let theirs = directories::ProjectDirs::from("", "", tool).map(|d| ToolDirs {
            config: d.config_local_dir().to_path_buf(),
            state: d.state_dir().unwrap_or_else(|| d.cache_dir()).to_path_buf(),
        });
        if ours != theirs {
            return Err(format!("{tool:?}: {ours:?} against {theirs:?}"));
        }
    }
    let ours = OsEnv.home_dir();
    let theirs = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if ours != theirs {
        return Err(format!("home: {ours:?} against {theirs:?}"));
    }
    Ok(())
}

/// In a child of the test below: compares in the environment the parent gave it. Run
/// alone, in the test run's own environment.
#[cfg(unix)]
#[test]
fn os_env_dirs_match_directories_here() {
    if let Err(e) = dirs_match_directories() {
        panic!("{e}");
    }
}

/// The directories consentry resolves from the real process environment are the ones
/// `directories` gave, in environments where it matters: no `HOME` (the user database
/// answers), an empty or relative one, XDG variables absolute, relative, empty or with
/// a trailing slash, a path that is not UTF-8.
#[cfg(unix)]
#[test]
fn os_env_dirs_are_what_directories_gives() {
    use std::os::unix::ffi::OsStringExt as _;
    let not_utf8 = OsString::from_vec(b"/home/\xffada".to_vec());
    let cases: Vec<Vec<(&str, OsString)>> = vec![
        vec![("HOME", "/home/ada".into())],
        vec![],
        vec![("HOME", "".into())],
        vec![("HOME", "ada".into())],
        vec![
            ("HOME", "/home/ada/".into()),
            ("XDG_CONFIG_HOME", "/cfg".into()),
            ("XDG_STATE_HOME", "/state/".into()),
        ],
        vec![
            ("HOME", "/home/ada".into()),
            ("XDG_CONFIG_HOME", "cfg".into()),
            ("XDG_STATE_HOME", "".into()),
        ],
        vec![
            ("XDG_CONFIG_HOME", "/cfg".into()),
            ("XDG_CACHE_HOME", "/cache".into()),
        ],
        vec![("HOME", not_utf8.clone()), ("XDG_STATE_HOME", not_utf8)],
    ];
    for case in cases {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "configure::env::tests::os_env_dirs_match_directories_here",
                "--quiet",
            ])
            .env_clear()
            .envs(case.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{case:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Everything consentry reads from the process goes through `OsEnv`: no other source
/// file names the readers (a new one would make in-process tests depend on the
/// machine again).
#[test]
fn only_os_env_reads_the_process_environment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let readers = [
        "std::env::var",
        "std::env::args",
        "std::env::current_dir",
        "env::var_os(",
        "directories::",
        "ci_info::",
        ").is_terminal()",
    ];
    let mut stack = vec![root.clone()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("env/os.rs") {
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") || path.ends_with("env/tests.rs") {
                    continue;
                }
                for r in readers {
                    assert!(
                        !code.contains(r),
                        "{}:{} reads the process environment ({r}); go through Env",
                        path.display(),
                        n + 1
                    );
                }
            }
        }
    }
    assert!(seen > 50, "only {seen} source files found");
}
