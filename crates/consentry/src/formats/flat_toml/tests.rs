use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::Deserialize;

use super::*;

/// A value as the `toml` crate reads it, whatever its type (the oracle).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Any {
    B(bool),
    I(i64),
    U(u64),
    F(f64),
    S(String),
    A(Vec<String>),
}

fn oracle(text: &str) -> Option<BTreeMap<String, Any>> {
    toml::from_str(text).ok()
}

/// Whether the reader's value is the one `toml` read.
fn same(ours: &Value, theirs: &Any) -> bool {
    match (ours, theirs) {
        (Value::Bool(a), Any::B(b)) => a == b,
        (Value::Int(a), Any::I(b)) => *a == i128::from(*b),
        (Value::Int(a), Any::U(b)) => *a == i128::from(*b),
        (Value::Float(a), Any::F(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        (Value::Str(a), Any::S(b)) => a == b,
        (Value::Strs(a), Any::A(b)) => a == b,
        _ => false,
    }
}

fn agrees(text: &str) -> Result<(), String> {
    let Ok(doc) = Doc::parse(text) else {
        return Ok(());
    };
    let theirs = oracle(text).ok_or_else(|| format!("toml refused {text:?}"))?;
    if theirs.len() != doc.entries.len() {
        return Err(format!("{text:?}: {doc:?} against {theirs:?}"));
    }
    for (key, (_, value)) in &doc.entries {
        match theirs.get(key) {
            Some(t) if same(value, t) => {}
            t => return Err(format!("{text:?}: {key} is {value:?}, toml: {t:?}")),
        }
    }
    Ok(())
}

#[test]
fn reads_the_subset() {
    let doc = Doc::parse(
        "\u{FEFF}# settings\r\n\
         enabled = true # yes\r\n\
         \tnotice = \"v1 \\\"q\\\" \\u00e9\\U0001F600\" \n\
         mode='off'\n\
         count = 18446744073709551615\n\
         rate = 1e-3\n\
         whole = 1\n\
         args = [\"a\", 'b',]\n\
         none = []\n\
         ml = '''C:\\O'Brien'''\n\
         mlb = \"\"\"say \"hi\"\\t\"\"\"\"\n",
    )
    .unwrap();
    assert_eq!(doc.bool("enabled"), Ok(Some(true)));
    assert_eq!(doc.str("notice"), Ok(Some("v1 \"q\" \u{e9}\u{1F600}")));
    assert_eq!(doc.str("mode"), Ok(Some("off")));
    assert_eq!(doc.u64("count"), Ok(Some(u64::MAX)));
    assert!(doc.u32("count").is_err(), "out of range for the field");
    assert_eq!(doc.f64("rate"), Ok(Some(1e-3)));
    assert_eq!(doc.f64("whole"), Ok(Some(1.0)));
    assert_eq!(
        doc.strs("args"),
        Ok(Some(&["a".to_owned(), "b".to_owned()][..]))
    );
    assert_eq!(doc.strs("none"), Ok(Some(&[][..])));
    assert_eq!(doc.str("ml"), Ok(Some("C:\\O'Brien")));
    assert_eq!(doc.str("mlb"), Ok(Some("say \"hi\"\t\"")));
    assert_eq!(doc.bool("missing"), Ok(None));
    let wrong = doc.bool("mode").unwrap_err();
    assert_eq!(wrong.to_string(), "line 4: mode is not a boolean");
}

#[test]
fn refuses_what_it_does_not_understand() {
    for bad in [
        "[table]\nenabled = true",
        "a.b = 1",
        "\"quoted\" = 1",
        "a = \"\"\"multi\nline\"\"\"",
        "a = '''multi\nline'''",
        "a = '''x'''''''",
        "a = 1979-05-27",
        "a = { b = 1 }",
        "a = [1, 2]",
        "a = [\"x\",\n\"y\"]",
        "a = \"\\e\"",
        "a = \"\\x41\"",
        "a = \"\\ud800\"",
        "a = 1_000",
        "a = 0x10",
        "a = 01",
        "a = .5",
        "a = 5.",
        "a = 1e400",
        "a = 18446744073709551616",
        "a = -9223372036854775809",
        "a = 1\na = 2",
        "a = 1\r",
        "a = 1\rb = 2",
        "a = \"x\u{7f}\"",
        "a = 1 # \u{1}",
        "a = maybe",
        "a = True",
        "a =",
        "= 1",
        "a 1",
        "a = \"open",
        "a = 1 2",
    ] {
        assert!(Doc::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_writer_escapes_what_toml_needs() {
    let text = Writer::new()
        .str("s", "q\"b\\n\nr\rt\tc\u{1}d\u{7f}é")
        .strs("a", &["x".into(), "\"".into()])
        .f64("nan", f64::NAN)
        .f64("big", 1e300)
        .f64("one", 1.0)
        .finish();
    assert_eq!(
        text,
        "s = \"q\\\"b\\\\n\\nr\\rt\\tc\\u0001d\\u007Fé\"\na = [\"x\", \"\\\"\"]\n\
         nan = nan\nbig = 1e300\none = 1.0\n"
    );
    agrees(&text).unwrap();
}

/// Every field type the files use, as `toml` reads them.
#[derive(Debug, Deserialize)]
struct Fields {
    b: bool,
    n: u64,
    small: u32,
    f: f64,
    s: String,
    a: Vec<String>,
}

/// A line the reader may or may not accept: keys, values and spacing from pieces that
/// are valid, almost valid and not valid TOML.
fn line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        6 => "[a-z][a-z0-9_-]{0,6}",
        1 => prop::sample::select(vec!["1", "a.b", "\"a\"", "a b", "é"]).prop_map(str::to_owned),
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "true",
            "false",
            "0",
            "-0",
            "+0",
            "1",
            "-1",
            "+17",
            "007",
            "1_0",
            "1.5",
            "-0.0",
            "1e5",
            "1E+05",
            "2.5e-3",
            "1.",
            ".1",
            "1e",
            "inf",
            "-inf",
            "+nan",
            "nan",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "1e400",
            "5e-324",
            "[]",
            "[ ]",
            "[\"a\"]",
            "['a', \"b\",]",
            "[,]",
            "[\"a\" \"b\"]",
            "[1]",
            "\"\"",
            "''",
            "'''x'''",
            "\"\\u00e9\"",
            "\"\\U0010FFFF\"",
            "\"\\uD800\"",
            "\"\\e\"",
            "\"\\ \"",
            "{}",
            "1979-05-27",
            "yes",
            "TRUE",
            "'''\\'''",
            "'''a'b''''",
            "'''''",
            "''''''''",
            "\"\"\"a\"b\\n\"\"\"\"",
            "\"\"\"\"\"\"",
            "\"\"\"x\"\"\"\"\"\"",
            "\"\"\"\\ \"\"\"",
            "[''' x ''', \"\"\"y\"\"\"]",
            "\"\\b\\f\\t\\r\\n\\\"\\\\\"",
        ])
        .prop_map(str::to_owned),
        "[^\"\\\\\\x00-\\x1f]{0,8}".prop_map(|s| format!("\"{s}\"")),
        "[^'\\x00-\\x1f]{0,8}".prop_map(|s| format!("'{s}'")),
        "['\"a\\\\]{0,8}".prop_map(|s| format!("'''{s}'''")),
        "['\"a\\\\]{0,8}".prop_map(|s| format!("\"\"\"{s}\"\"\"")),
        any::<String>().prop_map(|s| format!("\"{s}\"")),
        any::<String>().prop_map(|s| quoted(&s)),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::collection::vec(any::<String>().prop_map(|s| quoted(&s)), 0..3)
            .prop_map(|v| format!("[{}]", v.join(","))),
    ];
    let ws = prop::sample::select(vec!["", " ", "\t", "  "]);
    let tail = prop_oneof![
        6 => prop::sample::select(vec!["", " # c", "#", "\t# é"]),
        1 => prop::sample::select(vec![" #\u{7f}", "\r", " x", ","]),
    ];
    prop_oneof![
        8 => (ws.clone(), key, ws.clone(), value, ws, tail)
            .prop_map(|(w1, k, w2, v, w3, t)| format!("{w1}{k}{w2}={w3}{v}{t}")),
        1 => prop::sample::select(vec!["", "# comment", "  ", "[t]", "\u{FEFF}"])
            .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..5),
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
    )
        .prop_map(|(lines, eol, last)| {
            let mut text = lines.join(eol);
            if last {
                text.push_str(eol);
            }
            text
        })
}

/// The generated texts exercise both sides of the oracle test: many the reader accepts
/// (so agreement is checked on real values), many it refuses.
#[test]
fn the_generated_texts_are_both_accepted_and_refused() {
    use proptest::strategy::ValueTree as _;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = text();
    let (mut accepted, mut with_values) = (0, 0);
    let total = 2000;
    for _ in 0..total {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        if let Ok(doc) = Doc::parse(&text) {
            accepted += 1;
            with_values += usize::from(!doc.entries.is_empty());
        }
    }
    assert!(
        with_values > total / 10 && accepted < total * 9 / 10,
        "{accepted} accepted, {with_values} with values, of {total}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Whatever the reader accepts, `toml` reads to the same keys and values: the
    /// reader can only be stricter.
    #[test]
    fn toml_reads_what_the_reader_accepts(text in text()) {
        prop_assert_eq!(agrees(&text), Ok(()));
    }

    /// What the writer writes, `toml` (and the reader) read back to the same values.
    #[test]
    fn toml_reads_what_the_writer_writes(
        b in any::<bool>(),
        n in any::<u64>(),
        small in any::<u32>(),
        f in any::<f64>(),
        s in any::<String>(),
        a in prop::collection::vec(any::<String>(), 0..4),
    ) {
        let text = Writer::new()
            .bool("b", b)
            .u64("n", n)
            .u64("small", u64::from(small))
            .f64("f", f)
            .str("s", &s)
            .strs("a", &a)
            .finish();
        let theirs: Fields = toml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(theirs.b, b);
        prop_assert_eq!(theirs.n, n);
        prop_assert_eq!(theirs.small, small);
        prop_assert!(theirs.f.to_bits() == f.to_bits() || (f.is_nan() && theirs.f.is_nan()), "{text:?}");
        prop_assert_eq!(&theirs.s, &s);
        prop_assert_eq!(&theirs.a, &a);
        let doc = Doc::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(doc.bool("b"), Ok(Some(b)));
        prop_assert_eq!(doc.u64("n"), Ok(Some(n)));
        prop_assert_eq!(doc.u32("small"), Ok(Some(small)));
        let back = doc.f64("f").unwrap().unwrap();
        prop_assert!(back.to_bits() == f.to_bits() || (f.is_nan() && back.is_nan()));
        prop_assert_eq!(doc.str("s"), Ok(Some(s.as_str())));
        prop_assert_eq!(doc.strs("a"), Ok(Some(&a[..])));
        prop_assert_eq!(agrees(&text), Ok(()));
    }

    /// Any text, valid or not, is read without a panic.
    #[test]
    fn any_text_is_read_without_panicking(text in any::<String>()) {
        let _ = Doc::parse(&text);
    }

    /// Any bytes a broken disk or a hostile edit leaves, as the callers see them.
    #[test]
    fn any_lossy_bytes_are_read_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Doc::parse(&String::from_utf8_lossy(&bytes));
    }
}
