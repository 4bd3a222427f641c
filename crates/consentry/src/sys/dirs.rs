//! A tool's per-user directories in each OS's convention, exactly as the `directories`
//! crate (6.0, `ProjectDirs::from("", "", tool)`: `config_local_dir`, and `state_dir`
//! or else `cache_dir`) gives them, which consentry used before: existing install ids,
//! keys, settings and spools stay where they are.
//!
//! Pure functions of what the environment says, so all three conventions are tested
//! on any OS; the platform module picks one and supplies the home directory. The
//! variables come through the caller (the tool's [`Env`](crate::env::Env)), never from
//! the process here.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::configure::env::ToolDirs;

/// How a variable is looked up.
pub(crate) type Vars<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The XDG base directory rules (Linux, the BSDs): `$XDG_CONFIG_HOME/<tool>` and
/// `$XDG_STATE_HOME/<tool>`, each variable only when it is an absolute path (an empty
/// or relative one is ignored, as the specification says), else `~/.config/<tool>` and
/// `~/.local/state/<tool>`. The tool's name is lowercased with its white space removed
/// (`My Tool` -> `mytool`), as `directories` names it.
pub(crate) fn xdg(tool: &str, var: Vars<'_>, home: Option<PathBuf>) -> Option<ToolDirs> {
    let home = home?;
    let base = |key: &str, default: &str| {
        var(key)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(default))
    };
    let name: String = tool.split_whitespace().map(str::to_lowercase).collect();
    Some(ToolDirs {
        config: base("XDG_CONFIG_HOME", ".config").join(&name),
        state: base("XDG_STATE_HOME", ".local/state").join(&name),
    })
}

/// macOS: `~/Library/Application Support/<tool>`, and `~/Library/Caches/<tool>` for the
/// state (macOS has no state dir); spaces in the name become `-`.
#[cfg(any(test, target_os = "macos"))]
pub(crate) fn macos(tool: &str, home: Option<PathBuf>) -> Option<ToolDirs> {
    let home = home?;
    let name = tool.replace(' ', "-");
    Some(ToolDirs {
        config: home.join("Library/Application Support").join(&name),
        state: home.join("Library/Caches").join(&name),
    })
}

/// Windows: `<LocalAppData>\<tool>\config` (the local profile, never the roaming one:
/// the install id and key must not follow a user to another machine) and
/// `<LocalAppData>\<tool>\cache` (Windows has no state dir). `directories` asks
/// `SHGetKnownFolderPath` for the LocalAppData and RoamingAppData known folders and
/// gives nothing unless both are known; this reads `%LOCALAPPDATA%` and `%APPDATA%`,
/// which Windows sets from those folders in every user's environment, so the OS layer
/// needs no FFI (a variable that is not an absolute path counts as unknown).
#[cfg(any(test, windows))]
pub(crate) fn windows(tool: &str, var: Vars<'_>) -> Option<ToolDirs> {
    let known = |key: &str| var(key).map(PathBuf::from).filter(|p| p.is_absolute());
    let local = known("LOCALAPPDATA")?;
    known("APPDATA")?;
    let app = local.join(tool);
    Some(ToolDirs {
        config: app.join("config"),
        state: app.join("cache"),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn dirs(config: &str, state: &str) -> Option<ToolDirs> {
        Some(ToolDirs {
            config: config.into(),
            state: state.into(),
        })
    }

    #[test]
    fn xdg_variables_count_only_when_absolute() {
        let home = || Some(PathBuf::from("/home/ada"));
        assert_eq!(
            xdg("taskr", &vars(&[]), home()),
            dirs("/home/ada/.config/taskr", "/home/ada/.local/state/taskr")
        );
        assert_eq!(
            xdg(
                "taskr",
                &vars(&[("XDG_CONFIG_HOME", "/c"), ("XDG_STATE_HOME", "/s/")]),
                home()
            ),
            dirs("/c/taskr", "/s/taskr")
        );
        assert_eq!(
            xdg(
                "taskr",
                &vars(&[("XDG_CONFIG_HOME", "rel"), ("XDG_STATE_HOME", "")]),
                home()
            ),
            dirs("/home/ada/.config/taskr", "/home/ada/.local/state/taskr")
        );
        assert_eq!(
            xdg(" My  Tool ", &vars(&[]), home()),
            dirs("/home/ada/.config/mytool", "/home/ada/.local/state/mytool")
        );
        assert_eq!(
            xdg("taskr", &vars(&[("XDG_CONFIG_HOME", "/c")]), None),
            None
        );
    }

    #[test]
    fn macos_uses_the_library() {
        assert_eq!(
            macos("My Tool", Some("/Users/ada".into())),
            dirs(
                "/Users/ada/Library/Application Support/My-Tool",
                "/Users/ada/Library/Caches/My-Tool"
            )
        );
        assert_eq!(macos("taskr", None), None);
    }

    #[test]
    fn windows_needs_both_app_data_folders() {
        // Absolute on the OS running the test.
        let root = if cfg!(windows) {
            r"C:\Users\ada"
        } else {
            "/users/ada"
        };
        let local = Path::new(root).join("Local");
        let roaming = Path::new(root).join("Roaming");
        let (local_s, roaming_s) = (local.to_str().unwrap(), roaming.to_str().unwrap());
        assert_eq!(
            windows(
                "taskr",
                &vars(&[("LOCALAPPDATA", local_s), ("APPDATA", roaming_s)])
            ),
            Some(ToolDirs {
                config: local.join("taskr").join("config"),
                state: local.join("taskr").join("cache"),
            })
        );
        assert_eq!(windows("taskr", &vars(&[("LOCALAPPDATA", local_s)])), None);
        assert_eq!(
            windows(
                "taskr",
                &vars(&[("LOCALAPPDATA", "rel"), ("APPDATA", roaming_s)])
            ),
            None
        );
    }
}
