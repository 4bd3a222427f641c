use std::fmt;

use super::*;

fn alice() -> Scrubber {
    Scrubber::new().with_home("/home/alice").with_user("alice")
}

fn s(text: &str) -> String {
    alice().scrub(text)
}

#[test]
fn home_directory_and_what_is_under_it() {
    assert_eq!(s("in /home/alice"), "in <home>");
    assert_eq!(
        s("open /home/alice/.config/x.toml: denied"),
        "open <home>/<path>: denied"
    );
    assert_eq!(s("/home/alice2/x"), "<path>");
    assert_eq!(s("/HOME/Alice/x"), "<home>/<path>");
}

#[test]
fn windows_home_with_either_separator() {
    let s = Scrubber::new()
        .with_home(r"C:\Users\Bob Smith")
        .with_user("Bob Smith");
    assert_eq!(
        s.scrub(r"at C:\Users\Bob Smith\AppData\x.log"),
        r"at <home>\<path>"
    );
    assert_eq!(s.scrub("at c:/users/bob smith/x"), "at <home>/<path>");
    assert_eq!(s.scrub("hello Bob Smith"), "hello <user>");
}

#[test]
fn user_name_as_a_whole_word_only() {
    assert_eq!(
        s("alice: permission denied; Alice again, not malice"),
        "<user>: permission denied; <user> again, not malice"
    );
}

#[test]
fn user_name_inside_paths_elsewhere() {
    assert_eq!(s("/srv/alice/data and /tmp/alice"), "<path> and <path>");
}

#[test]
fn absolute_paths() {
    let s = Scrubber::new();
    assert_eq!(
        s.scrub("no such file: /etc/app/conf.toml"),
        "no such file: <path>"
    );
    assert_eq!(
        s.scrub("read '/var/lib/x' (os error 2)"),
        "read '<path>' (os error 2)"
    );
    assert_eq!(s.scrub("see ~/projects/x"), "see <path>");
    assert_eq!(
        s.scrub(r"cannot open C:\Users\bob\file.txt"),
        "cannot open <path>"
    );
    assert_eq!(s.scrub(r"on \\server\share\dir"), "on <path>");
    assert_eq!(
        s.scrub("relative/path.txt stays, as does a / b"),
        "relative/path.txt stays, as does a / b"
    );
}

#[test]
fn file_urls() {
    assert_eq!(
        s("file:///home/alice/x.txt and FILE:///C:/Users/x"),
        "<path> and <path>"
    );
    assert_eq!(Scrubber::new().scrub("file://localhost/etc/x"), "<path>");
    assert_eq!(s("file: not found"), "file: not found");
}

#[test]
fn urls_keep_their_host_and_path_but_not_credentials() {
    let s = Scrubber::new();
    assert_eq!(
        s.scrub("GET https://user:p4ss@example.com/a/b failed"),
        "GET https://<credentials>@example.com/a/b failed"
    );
    assert_eq!(
        s.scrub("ssh://git@example.com/repo"),
        "ssh://<credentials>@example.com/repo"
    );
    assert_eq!(
        s.scrub("https://example.com/a@b"),
        "https://example.com/a@b"
    );
}

#[test]
fn emails() {
    assert_eq!(
        s("mail bob.smith+x@mail.example.org now"),
        "mail <email> now"
    );
    assert_eq!(s("alice@example.com"), "<email>");
}

#[test]
fn ip_addresses() {
    let s = Scrubber::new();
    assert_eq!(
        s.scrub("connect 192.168.1.20:8080 refused"),
        "connect <ip>:8080 refused"
    );
    assert_eq!(s.scrub("http://10.0.0.1/x"), "http://<ip>/x");
    assert_eq!(
        s.scrub("to [::1]:4317 and fe80::1ff:fe23:4567:890a."),
        "to [<ip>]:4317 and <ip>."
    );
    assert_eq!(s.scrub("2001:db8::8a2e:370:7334"), "<ip>");
    assert_eq!(s.scrub("::ffff:192.0.2.1"), "<ip>");
    // Not addresses: times, Rust paths, version numbers that are not four numbers.
    assert_eq!(
        s.scrub("at 12:30:45 in std::io::Error v1.2.3"),
        "at 12:30:45 in std::io::Error v1.2.3"
    );
    assert_eq!(s.scrub("999.1.1.1"), "999.1.1.1");
}

#[test]
fn tokens() {
    let s = Scrubber::new();
    assert_eq!(
        s.scrub("token ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        "token <token>"
    );
    assert_eq!(s.scrub("key sk-proj-abcdEFGH1234"), "key <token>");
    assert_eq!(s.scrub("AKIAIOSFODNN7EXAMPLE"), "<token>");
    assert_eq!(
        s.scrub("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        "jwt <token>"
    );
    assert_eq!(
        s.scrub("id 0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10"),
        "id <token>"
    );
    assert_eq!(
        s.scrub("x dGhpcyBpcyBhIHNlY3JldCB2YWx1ZQ== y"),
        "x <token> y"
    );
}

#[test]
fn key_value_secrets() {
    let s = Scrubber::new();
    assert_eq!(
        s.scrub("url ?a=1&access_token=abc&b=2"),
        "url ?a=1&access_token=<token>&b=2"
    );
    assert_eq!(
        s.scrub("PASSWORD = hunter2, then"),
        "PASSWORD = <token>, then"
    );
    assert_eq!(
        s.scrub("Authorization: Bearer abc.def"),
        "Authorization: Bearer <token>"
    );
}

#[test]
fn words_are_not_tokens() {
    let s = Scrubber::new();
    let text = "internationalization_of_the_config_file_loader failed: ConnectionRefused";
    assert_eq!(s.scrub(text), text);
    assert!(!patterns::looks_random("aaaaaaaaaaaaaaaaaaaaaaaaaaaa1"));
}

#[test]
fn known_secrets() {
    let s = Scrubber::new().with_secret("acme-corp").with_secret("ab");
    assert_eq!(s.scrub("project acme-corp ab"), "project <token> ab");
}

#[test]
fn placeholder_names_as_user_names_stay_idempotent() {
    let s = Scrubber::new()
        .with_user("user")
        .with_user("token")
        .with_home("/home/path");
    let once = s.scrub("user token /home/path/x ghp_abcdefghijklmnopqrstuvwxyz0123");
    assert_eq!(once, "<user> <user> <home>/<path> <token>");
    assert_eq!(s.scrub(&once), once);
}

#[test]
fn placeholders_made_by_later_rules_do_not_change_earlier_ones() {
    let s = Scrubber::new();
    for text in [
        "::ghp_AAaA0AaaAaAA0000",
        "ghp_AAaA0AaaAaAA0000::1",
        "fe80::ghp_AAaA0AaaAaAA0000",
    ] {
        let once = s.scrub(text);
        assert_eq!(s.scrub(&once), once, "{text}");
    }
}

#[test]
fn root_homes_are_ignored() {
    let s = Scrubber::new()
        .with_home("/")
        .with_home(r"C:\")
        .with_user("a");
    assert_eq!(s.scrub("a b"), "a b");
}

#[derive(Debug)]
struct Chain(&'static str, Option<Box<Chain>>);

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for Chain {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.1.as_deref().map(|e| e as _)
    }
}

#[test]
fn error_chain_is_joined_and_scrubbed() {
    let inner = Chain("No such file or directory (os error 2)", None);
    let middle = Chain("cannot read /home/alice/tasks", Some(Box::new(inner)));
    let outer = Chain("loading tasks", Some(Box::new(middle)));
    assert_eq!(
        alice().scrub_error(&outer),
        "loading tasks: cannot read <home>/<path>: No such file or directory (os error 2)"
    );
}

#[test]
fn error_that_repeats_its_source_is_not_repeated() {
    let inner = Chain("disk full", None);
    let outer = Chain("write failed: disk full", Some(Box::new(inner)));
    assert_eq!(
        Scrubber::new().scrub_error(&outer),
        "write failed: disk full"
    );
}

#[test]
fn error_text_is_bounded_on_a_char_boundary() {
    let long: &'static str = "é".repeat(2000).leak();
    let scrubbed = Scrubber::new().scrub_error(&Chain(long, None));
    assert!(scrubbed.len() <= MAX_ERROR_LEN && scrubbed.ends_with("..."));
}

#[cfg(unix)]
#[test]
fn default_scrubber_knows_this_home() {
    use crate::configure::env::Env as _;
    if let Some(home) = crate::configure::env::OsEnv.home_dir()
        && home.to_str().is_some_and(|h| h.len() > 3)
    {
        let text = format!("at {}", home.join("x").display());
        assert_eq!(scrub(&text), "at <home>/<path>");
    }
}

#[test]
fn a_scrubber_learns_home_and_user_from_the_environment_it_is_given() {
    let env = crate::configure::env::FixedEnv::new()
        .var("HOME", "/home/ada")
        .var("LOGNAME", "lovelace");
    let s = Scrubber::from(&env);
    assert_eq!(
        s.scrub("ada at /home/ada/notes.txt, lovelace"),
        "<user> at <home>/<path>, <user>"
    );
}

#[test]
fn non_ascii_names_and_homes_are_scrubbed_in_either_case() {
    let s = Scrubber::new()
        .with_home("/home/josé")
        .with_user("josé")
        .with_user("Zoë");
    assert_eq!(
        s.scrub("cannot read /home/JOSÉ/notes"),
        "cannot read <home>/<path>"
    );
    assert_eq!(s.scrub("hello josé, hi ZOË"), "hello <user>, hi <user>");
}

#[test]
fn a_huge_message_is_read_only_up_to_a_window_and_never_keeps_half_a_secret() {
    // Tokens shrink to placeholders, so what stands near the read window's end lands
    // in the kept text: the token the window cuts in two must not be kept in part.
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    for shift in 0..token.len() {
        let text = format!("{}{}", "x".repeat(shift), format!(" {token}").repeat(200));
        let leaked: &'static str = text.leak();
        let scrubbed = Scrubber::new().scrub_error(&Chain(leaked, None));
        assert!(scrubbed.len() <= MAX_ERROR_LEN, "{}", scrubbed.len());
        assert!(!scrubbed.contains("ghp_"), "shift {shift}: {scrubbed}");
        assert!(scrubbed.ends_with("..."), "{scrubbed}");
    }
}

#[test]
fn a_huge_panic_message_is_cut_too() {
    let text = format!("boom {}", "/home/alice/x ".repeat(100_000));
    let scrubbed = scrub_hiding(&text, &crate::rules::mask::Hidden::default());
    assert!(scrubbed.len() <= MAX_ERROR_LEN, "{}", scrubbed.len());
    assert!(scrubbed.starts_with("boom "), "{scrubbed}");
}

#[test]
fn the_window_cuts_after_a_wide_space() {
    // U+00A0 and U+3000 are white space of two and three bytes: the cut must land on
    // the character boundary after them.
    for space in ['\u{a0}', '\u{3000}'] {
        let kept = "a".repeat(MAX_READ - 10);
        let text = format!("{kept}{space}{}", "b".repeat(100));
        assert_eq!(window(&text), format!("{kept}{space}..."));
    }
}
