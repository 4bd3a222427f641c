//! The values a scrubber is told about: home directories, user names, other secrets.
//! They are replaced before the general patterns run, so that `/home/alice/x` becomes
//! `<home>/<path>` rather than a bare `<path>`, and `alice` alone becomes `<user>`.

use std::path::Path;

use regex_lite::{Captures, Regex};

use super::patterns::PLACEHOLDER;

#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    homes: Vec<String>,
    users: Vec<String>,
    secrets: Vec<String>,
}

impl Known {
    pub(super) fn add_home(&mut self, home: &Path) {
        let Some(home) = home.to_str() else { return };
        let home = home.trim_end_matches(['/', '\\']);
        // `/` or `C:` would turn every path into `<home>`.
        if home
            .chars()
            .filter(|c| !matches!(c, '/' | '\\' | ':'))
            .count()
            >= 2
        {
            add(&mut self.homes, home);
        }
    }

    pub(super) fn add_user(&mut self, name: &str) {
        let name = name.trim();
        if name.chars().count() >= 2 {
            add(&mut self.users, name);
        }
    }

    pub(super) fn add_secret(&mut self, value: &str) {
        if value.chars().count() >= 4 {
            add(&mut self.secrets, value);
        }
    }

    /// One regex for all of them, `None` when there is nothing to look for (or, for
    /// absurdly long values, when the regex would be too big).
    pub(super) fn compile(&self) -> Option<Regex> {
        let mut alternatives = Vec::new();
        if !self.homes.is_empty() {
            // `/` and `\` alike; the home directory only when a name does not go on
            // (`/home/al` is not the home of `/home/alice`).
            let homes = with_case_variants(&self.homes);
            let homes = longest_first(&homes).map(|h| {
                h.split(['/', '\\'])
                    .map(regex_lite::escape)
                    .collect::<Vec<_>>()
                    .join(r"[/\\]")
            });
            alternatives.push(format!(
                r"(?P<home>(?i:{}))(?P<after>$|[^\w.-])",
                join(homes)
            ));
        }
        if !self.secrets.is_empty() {
            alternatives.push(format!(
                "(?P<secret>{})",
                join(longest_first(&self.secrets).map(regex_lite::escape))
            ));
        }
        if !self.users.is_empty() {
            let users = with_case_variants(&self.users);
            let users = longest_first(&users).map(|u| {
                // `\b` is an ASCII word boundary: next to any other character it would
                // never match, so such a name matches inside words too (more is masked,
                // never less).
                let edge = |c: Option<char>| {
                    if c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        r"\b"
                    } else {
                        ""
                    }
                };
                format!(
                    "{}{}{}",
                    edge(u.chars().next()),
                    regex_lite::escape(u),
                    edge(u.chars().last())
                )
            });
            alternatives.push(format!("(?P<user>(?i:{}))", join(users)));
        }
        if alternatives.is_empty() {
            return None;
        }
        alternatives.push(format!("(?P<keep>{PLACEHOLDER})"));
        Regex::new(&alternatives.join("|")).ok()
    }
}

/// Replaces the known values in `text`.
pub(super) fn apply(re: &Regex, text: &str) -> String {
    re.replace_all(text, |c: &Captures<'_>| {
        if c.name("home").is_some() {
            format!("<home>{}", &c["after"])
        } else if c.name("secret").is_some() {
            "<token>".to_owned()
        } else if c.name("user").is_some() {
            "<user>".to_owned()
        } else {
            c[0].to_owned()
        }
    })
    .into_owned()
}

/// The values with their lower and upper case forms added where these differ beyond
/// ASCII: `(?i)` folds ASCII case only, and `/home/José` may be written `/home/josé`.
fn with_case_variants(values: &[String]) -> Vec<String> {
    let mut out = values.to_vec();
    for v in values.iter().filter(|v| !v.is_ascii()) {
        add(&mut out, &v.to_lowercase());
        add(&mut out, &v.to_uppercase());
    }
    out
}

fn add(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// Longest first, so that of two values starting at the same place the longer wins.
fn longest_first(values: &[String]) -> impl Iterator<Item = &str> {
    let mut sorted: Vec<&str> = values.iter().map(String::as_str).collect();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.len()));
    sorted.into_iter()
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join("|")
}
