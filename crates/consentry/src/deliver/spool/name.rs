//! Spool file names carry what the bounds need: creation time and length. A writer
//! counts and ages the spool from one directory listing, without a `stat` or a read per
//! file, so a run costs the same with 1,000 spooled requests as with none.

use std::fmt;

/// Extension of a spooled request.
pub(crate) const EXT: &str = "otlp";

/// A parsed spool file name: `<created ms, 20 digits>-<length, 10 digits>-<random>.otlp`.
/// Names sort by creation time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Name {
    pub(crate) created_ms: u64,
    pub(crate) len: u64,
    unique: String,
}

impl Name {
    pub(crate) fn new(created_ms: u64, len: u64) -> Self {
        Name {
            created_ms,
            len,
            unique: crate::sys::random::uuid_v4().simple().to_string(),
        }
    }

    /// `None` for anything not in exactly this crate's form (a name someone else chose).
    pub(crate) fn parse(file_name: &str) -> Option<Self> {
        let stem = file_name.strip_suffix(EXT)?.strip_suffix('.')?;
        let mut parts = stem.splitn(3, '-');
        let (created, len, unique) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(created, 20)
            || !digits(len, 10)
            || unique.len() != 32
            || !unique.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        Some(Name {
            created_ms: created.parse().ok()?,
            len: len.parse().ok()?,
            unique: unique.to_owned(),
        })
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:020}-{:010}-{}.{EXT}",
            self.created_ms, self.len, self.unique
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let a = Name::new(5, 1234);
        let b = Name::new(17, 1);
        assert_eq!(Name::parse(&a.to_string()), Some(a.clone()));
        assert!(a.to_string() < b.to_string(), "names sort by time");
        assert!(a < b);
    }

    #[test]
    fn foreign_names_are_not_ours() {
        for bad in [
            "x.otlp",
            "00000000000000000005-0000001234.otlp",
            "00000000000000000005-0000001234-zz.otlp",
            "0000000000000000005-0000001234-0123456789abcdef0123456789abcdef.otlp",
            "00000000000000000005-0000001234-0123456789abcdef0123456789abcdef.otlp.tmp",
            "00000000000000000005-000000123x-0123456789abcdef0123456789abcdef.otlp",
        ] {
            assert_eq!(Name::parse(bad), None, "{bad}");
        }
    }
}
