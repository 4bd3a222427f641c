//! The writer against its oracle: what opentelemetry-proto's `with-serde` and
//! serde_json (dev-dependencies) write for the same values, byte for byte.

use proptest::prelude::*;
use serde_json::Value;

use super::strategies::{double, request, text};
use super::{Keys, Style, Writer};

fn written(style: Style, keys: Keys, write: impl FnOnce(&mut Writer)) -> String {
    let mut w = Writer::new(style, keys);
    write(&mut w);
    w.finish()
}

/// Writes a serde_json value through the writer, members in the map's order.
fn value(w: &mut Writer, v: &Value) {
    match v {
        Value::Null => w.null(),
        Value::Bool(b) => w.bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => w.uint(u),
            (None, Some(i), _) => w.int(i),
            (None, None, Some(f)) => w.float(f),
            (None, None, None) => unreachable!("a number is one of the three"),
        },
        Value::String(s) => w.string(s),
        Value::Array(items) => w.array(items, value),
        Value::Object(members) => w.object(|o| {
            for (k, v) in members {
                o.field(k, |w| value(w, v));
            }
        }),
    }
}

/// Any JSON value serde_json can hold, nested, with empty arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        double().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn requests_as_opentelemetry_proto_and_serde_json_write_them(r in request()) {
        let compact = written(Style::Compact, Keys::AsWritten, |w| super::request(w, &r));
        prop_assert_eq!(compact, serde_json::to_string(&r).unwrap());
        let pretty = written(Style::Pretty, Keys::AsWritten, |w| super::request(w, &r));
        prop_assert_eq!(pretty, serde_json::to_string_pretty(&r).unwrap());
    }

    /// `serde_json::Value` (what `json!` makes) keeps a map's keys sorted.
    #[test]
    fn requests_with_sorted_keys_as_a_serde_json_value_writes_them(r in request()) {
        let v = serde_json::to_value(&r).unwrap();
        let compact = written(Style::Compact, Keys::Sorted, |w| super::request(w, &r));
        prop_assert_eq!(compact, v.to_string());
        let pretty = written(Style::Pretty, Keys::Sorted, |w| super::request(w, &r));
        prop_assert_eq!(pretty, serde_json::to_string_pretty(&v).unwrap());
    }

    #[test]
    fn any_value_as_serde_json_writes_it(v in json_value()) {
        for keys in [Keys::AsWritten, Keys::Sorted] {
            prop_assert_eq!(written(Style::Compact, keys, |w| value(w, &v)), v.to_string());
            prop_assert_eq!(
                written(Style::Pretty, keys, |w| value(w, &v)),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }

    #[test]
    fn strings_escaped_as_serde_json_escapes_them(s in text()) {
        prop_assert_eq!(
            written(Style::Compact, Keys::AsWritten, |w| w.string(&s)),
            serde_json::to_string(&s).unwrap()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn doubles_as_serde_json_writes_them(f in double()) {
        prop_assert_eq!(
            written(Style::Compact, Keys::AsWritten, |w| w.float(f)),
            serde_json::to_string(&f).unwrap()
        );
    }
}

#[test]
fn every_ascii_character_escaped_as_serde_json_escapes_it() {
    for c in (0u8..=0x7f).map(char::from) {
        let s = format!("a{c}b{c}");
        assert_eq!(
            written(Style::Compact, Keys::AsWritten, |w| w.string(&s)),
            serde_json::to_string(&s).unwrap(),
            "{c:?}"
        );
    }
}

/// Where serde_json switches between plain and scientific notation, and the
/// neighbours of each power of ten, over the whole range of doubles.
#[test]
fn doubles_at_every_power_of_ten_as_serde_json_writes_them() {
    for exp in -330..=310 {
        let p: f64 = format!("1e{exp}").parse().unwrap();
        for f in [p, p.next_up(), p.next_down(), 1.5 * p, -p, p / 3.0] {
            assert_eq!(
                written(Style::Compact, Keys::AsWritten, |w| w.float(f)),
                serde_json::to_string(&f).unwrap(),
                "{f:e}"
            );
        }
    }
}

/// Doubles exactly halfway between their two shortest candidates: std's `{:e}` rounds
/// them up, serde_json to the even digit.
#[test]
fn ties_between_shortest_digits_as_serde_json_breaks_them() {
    // The quarters are exact: these doubles are a quarter or an eighth apart.
    for f in [
        662_936_471_232_937.0 + 0.25,
        2_058_237_424_491_038.0 + 0.25,
        -943_238_624_648_691.0 - 0.25,
    ] {
        let json = written(Style::Compact, Keys::AsWritten, |w| w.float(f));
        assert_eq!(json, serde_json::to_string(&f).unwrap());
        assert_ne!(json, format!("{f}"), "a tie std breaks the other way");
    }
}

/// Powers of two are where the lower neighbour is nearer than the upper, and where the
/// subnormals start: every one, with the doubles just above and below.
#[test]
fn doubles_at_every_power_of_two_as_serde_json_writes_them() {
    for exp in 0u64..2047 {
        for mantissa in (0..4).chain((1 << 52) - 4..1 << 52) {
            let f = f64::from_bits(exp << 52 | mantissa);
            for f in [f, -f] {
                assert_eq!(
                    written(Style::Compact, Keys::AsWritten, |w| w.float(f)),
                    serde_json::to_string(&f).unwrap(),
                    "{f:e}"
                );
            }
        }
    }
}

#[test]
fn nothing_but_empty_containers_as_serde_json_writes_them() {
    let v = serde_json::json!({"a": [], "b": {}, "c": [[], {}, [[]], {"d": {}}], "e": [{}]});
    for style in [Style::Compact, Style::Pretty] {
        let want = match style {
            Style::Compact => v.to_string(),
            Style::Pretty => serde_json::to_string_pretty(&v).unwrap(),
        };
        assert_eq!(written(style, Keys::Sorted, |w| value(w, &v)), want);
    }
}
