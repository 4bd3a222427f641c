//! The patterns every scrubber applies, compiled once.
//!
//! Each rule is one regex applied over the whole text, in order: later rules see the
//! placeholders of earlier ones. A rule's regex ends with an alternative that matches
//! a placeholder and leaves it alone, and no rule's own pattern can start inside one
//! (their character classes exclude `<` and `>`), so scrubbing twice changes nothing.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex_lite::{Captures, Regex};

/// Matches any placeholder this module writes.
pub(super) const PLACEHOLDER: &str = "<(?:home|user|path|email|ip|token|credentials)>";

/// A piece of a path: a user name already replaced, or a character that is not a space,
/// quote, bracket or a separator messages put around paths (`:`, `;`, `,`).
const PIECE: &str = r#"(?:<user>|[^\s"'`<>|:;,()\[\]{}*?])"#;
/// The first piece after the leading `/` of a Unix path: not a second `/`, so that
/// `scheme://` is no path.
const FIRST: &str = r#"(?:<user>|[^/\s"'`<>|:;,()\[\]{}*?])"#;
/// What may come right before an absolute path.
const BEFORE_PATH: &str = r#"(?P<pre>^|[\s"'`=(\[{,;:])"#;

/// What a rule's match becomes.
enum Replace {
    /// This placeholder.
    Fixed(&'static str),
    /// What the function makes of the captures (and the whole text, to look past the
    /// match); `None` keeps the match as it is.
    With(fn(&Captures<'_>, &str) -> Option<String>),
}

/// One rule: a regex and what its match becomes. A `pre` group, when the pattern has
/// one, is the character before the match, kept as it is.
struct Rule {
    re: Regex,
    replace: Replace,
}

impl Rule {
    fn new(pattern: &str, replace: Replace) -> Self {
        let re = Regex::new(&format!("(?:{pattern})|(?P<keep>{PLACEHOLDER})"))
            .expect("scrub pattern is valid");
        Rule { re, replace }
    }

    fn apply(&self, text: &str) -> String {
        self.re
            .replace_all(text, |caps: &Captures<'_>| {
                let whole = &caps[0];
                if caps.name("keep").is_some() {
                    return whole.to_owned();
                }
                let pre = caps.name("pre").map_or("", |m| m.as_str());
                let new = match &self.replace {
                    Replace::Fixed(placeholder) => Some((*placeholder).to_owned()),
                    Replace::With(f) => f(caps, text),
                };
                new.map_or_else(|| whole.to_owned(), |new| format!("{pre}{new}"))
            })
            .into_owned()
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    use Replace::{Fixed, With};
    vec![
        // Credentials in a URL: `scheme://user:pass@` keeps the scheme.
        Rule::new(
            r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#@]+@",
            With(|c, _| Some(format!("{}<credentials>@", &c["scheme"]))),
        ),
        // `file:` URLs, whatever path they hold.
        Rule::new(
            &format!(r"(?i)\bfile:(?://)?(?:<home>|/|[a-z]:)(?:{PIECE}|:)*"),
            Fixed("<path>"),
        ),
        // Paths under the home directory, once the home directory is `<home>`.
        Rule::new(
            &format!(r"<home>(?P<sep>[/\\]){PIECE}+"),
            With(|c, _| Some(format!("<home>{}<path>", &c["sep"]))),
        ),
        // Unix (and `~/`) absolute paths, Windows drive paths, UNC paths.
        Rule::new(
            &format!(r"{BEFORE_PATH}~?/{FIRST}{PIECE}*"),
            Fixed("<path>"),
        ),
        Rule::new(&format!(r"\b[A-Za-z]:[\\/]{PIECE}*"), Fixed("<path>")),
        Rule::new(&format!(r"{BEFORE_PATH}\\\\{PIECE}+"), Fixed("<path>")),
        // Email addresses, including one whose user part was already `<user>`.
        Rule::new(
            r"(?:<user>|[A-Za-z0-9._%+-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            Fixed("<email>"),
        ),
        // IP addresses: candidates here, std decides what is an address.
        Rule::new(
            r"(?P<pre>^|[^\w:.>])(?P<ip>[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)",
            With(ipv6),
        ),
        Rule::new(
            r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
            With(|c, _| c[0].parse::<Ipv4Addr>().ok().map(|_| "<ip>".to_owned())),
        ),
        // `token=...`, `client_secret=...`, `Bearer ...`.
        Rule::new(
            r"(?i)(?P<key>\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|auth)[\w-]*\s*=\s*)[^\s<>&,;]+",
            With(|c, _| Some(format!("{}<token>", &c["key"]))),
        ),
        Rule::new(
            r"(?i)(?P<key>\bbearer\s+)[A-Za-z0-9._~+/-]+=*",
            With(|c, _| Some(format!("{}<token>", &c["key"]))),
        ),
        // Tokens with a well-known prefix, and JWTs.
        Rule::new(
            r"\b(?:gh[pousr]_|github_pat_|sk-|sk_(?:live|test)_|rk_(?:live|test)_|xox[abprs]-|glpat-|npm_|hf_|AKIA|ASIA|AIza)[A-Za-z0-9_-]{8,}",
            Fixed("<token>"),
        ),
        Rule::new(
            r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
            Fixed("<token>"),
        ),
        // Any other long run that looks random.
        Rule::new(
            r"[A-Za-z0-9+/=_-]{20,}",
            With(|c, _| looks_random(&c[0]).then(|| "<token>".to_owned())),
        ),
    ]
});

/// Applies every rule, in order.
pub(super) fn apply(text: &str) -> String {
    RULES
        .iter()
        .fold(text.to_owned(), |text, rule| rule.apply(&text))
}

/// An IPv6 candidate is an address when std parses it (less trailing dots, which end
/// sentences) and no word character follows it (`std::io` is not `std` + `::`). A
/// placeholder next to it counts as a word: a later rule may have made it from one.
fn ipv6(c: &Captures<'_>, text: &str) -> Option<String> {
    let m = c.name("ip")?;
    if text[m.end()..]
        .chars()
        .next()
        .is_some_and(|ch| ch.is_alphanumeric() || ch == '_' || ch == '<')
    {
        return None;
    }
    let ip = m.as_str().trim_end_matches('.');
    ip.parse::<Ipv6Addr>().ok()?;
    Some(format!("<ip>{}", &m.as_str()[ip.len()..]))
}

/// A run that mixes at least two of lower case, upper case and digits, with the
/// entropy of random text rather than of words (`snake_case_names` have one class).
pub(super) fn looks_random(run: &str) -> bool {
    let has = |f: fn(&u8) -> bool| run.as_bytes().iter().any(f);
    let classes = [
        has(u8::is_ascii_lowercase),
        has(u8::is_ascii_uppercase),
        has(u8::is_ascii_digit),
    ];
    classes.iter().filter(|&&c| c).count() >= 2 && entropy(run) >= 3.0
}

/// Shannon entropy in bits per byte.
pub(super) fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s.as_bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = s.len() as f64;
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| f64::from(n) / len)
        .map(|p| -p * log2(p))
        .sum()
}

/// `x.log2()` for a finite `x > 0`, without the C math library: `f64::log2` is the
/// one call in consentry that links `libm`, and a shared library more is one more
/// object for the dynamic loader to map and search at every start of the host, opted
/// out included. `x = m * 2^e` with `m` in `[1, 2)`; `ln m = 2 atanh(z)`,
/// `z = (m - 1) / (m + 1)` in `[0, 1/3)`, whose series has converged to well under
/// 1e-12 after 14 terms.
pub(super) fn log2(x: f64) -> f64 {
    debug_assert!(x.is_finite() && x > 0.0);
    let bits = x.to_bits();
    // No subnormal reaches it: a probability here is at least 1 / the text's length.
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let (mut term, mut sum) = (z, 0.0);
    for k in 0..14 {
        sum += term / f64::from(2 * k + 1);
        term *= z2;
    }
    exponent as f64 + 2.0 * sum * std::f64::consts::LOG2_E
}
