use proptest::prelude::*;

use super::*;

#[test]
fn every_block_spelling_of_false_opts_out() {
    for text in [
        "consent: false",
        "consent: False\n",
        "consent: FALSE",
        "consent: no",
        "consent: off",
        "consent: Off",
        "consent:\tfalse",
        "consent : false",
        "\"consent\": false",
        "'consent': false",
        "consent: 'false'",
        "consent: \"No\"  # quoted",
        "\u{FEFF}consent: false\n",
        "consent: false\r\nother: 1\r\n",
        "---\nconsent: false\n...\n",
        "--- # first\nconsent: false\n",
        "# kedro\nconsent: false # no thanks\nother: [1, 2]\n",
        "consent:   false   ",
        "consent: true\nconsent: false\n",
        "consent: true\n---\nconsent: false\n",
        "other:\n  - a\n  - b\nconsent: false\n",
        "other: |\n  text: x\nconsent: false\n",
    ] {
        assert_eq!(consent_value(text), Ok(Some(false)), "{text:?}");
    }
}

#[test]
fn true_is_reported_so_that_it_can_be_ignored() {
    for text in [
        "consent: true",
        "consent: yes",
        "'consent': 'On'",
        "consent: TRUE",
    ] {
        assert_eq!(consent_value(text), Ok(Some(true)), "{text:?}");
    }
}

#[test]
fn no_consent_key_says_nothing() {
    for text in [
        "",
        "# only a comment\n",
        "---\n",
        "other: 1",
        "nested:\n  consent: false\n",
        "list:\n  - consent: false\n",
        "consentx: false",
        "'consent ': false",
    ] {
        assert_eq!(consent_value(text), Ok(None), "{text:?}");
    }
}

#[test]
fn anything_else_is_broken_and_so_opts_out() {
    for text in [
        "consent: maybe",
        "consent:",
        "consent:\n  false",
        "consent: false\n  more",
        "consent: [false]",
        "consent: {x: 1}",
        "consent: !!bool false",
        "consent: &a false",
        "a: &x false\nconsent: *x",
        "consent: 'false",
        "consent: 'false'#x",
        "consent: false'",
        "consent:false",
        "\"cons\\x65nt\": false",
        "consent false",
        "just garbage",
        "- consent: false",
        "{consent: false}",
        "{consent: true}",
        "[consent, false]: x",
        "  consent: false",
        "~",
        "---x\nconsent: true",
        "--- consent: true",
        "other #x: 1",
        "\t- : :\n  ]",
    ] {
        assert!(consent_value(text).is_err(), "{text:?}");
    }
    let deep = "[".repeat(20_000);
    assert!(consent_value(&deep).is_err());
}

/// The YAML reading the strict reader replaced (saphyr-parser's events, kept as a
/// dev-dependency): the oracle the property tests compare the reader with.
mod yaml {
    use saphyr_parser::{Event, Parser};

    enum Frame {
        Map { key_next: bool, top: bool },
        Seq,
    }

    pub(super) fn consent_value(text: &str) -> Result<Option<bool>, String> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut key_is_consent = false;
        let mut said: Option<bool> = None;
        for item in Parser::new_from_str(text) {
            let (event, _) = item.map_err(|e| format!("not valid YAML: {e}"))?;
            let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
            let is_node = opens || matches!(event, Event::Scalar(..) | Event::Alias(_));
            if is_node {
                match stack.last_mut() {
                    None => {
                        let null = matches!(&event, Event::Scalar(v, ..) if matches!(v.as_ref(), "" | "~" | "null"));
                        if !matches!(event, Event::MappingStart(..)) && !null {
                            return Err("not a mapping".into());
                        }
                    }
                    Some(Frame::Map { key_next, top }) => {
                        if *key_next {
                            key_is_consent =
                                *top && matches!(&event, Event::Scalar(k, ..) if k == "consent");
                        } else if *top && key_is_consent {
                            let Event::Scalar(v, ..) = &event else {
                                return Err("not a scalar".into());
                            };
                            let value = super::boolean(v)?;
                            said = Some(said.unwrap_or(true) && value);
                        }
                        *key_next = !*key_next;
                    }
                    Some(Frame::Seq) => {}
                }
            }
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map {
                    key_next: true,
                    top: stack.is_empty(),
                }),
                Event::SequenceStart(..) => stack.push(Frame::Seq),
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        Ok(said)
    }
}

#[test]
fn the_oracle_reads_yaml_as_the_old_reader_did() {
    assert_eq!(yaml::consent_value("{consent: false}"), Ok(Some(false)));
    assert_eq!(yaml::consent_value("nested:\n  consent: false"), Ok(None));
    assert!(yaml::consent_value("consent: [").is_err());
}

/// Lines built from pieces of YAML, the tricky ones included.
fn yaml_line() -> impl Strategy<Value = String> {
    let indent = prop::sample::select(vec!["", "", "", "  ", "\t", "- ", "? "]);
    let key = prop::sample::select(vec![
        "consent",
        "consent",
        "'consent'",
        "\"consent\"",
        "\"cons\\x65nt\"",
        "Consent",
        "other",
        "other #x",
        "{consent",
        "&a consent",
        "---",
        "...",
        "#",
        "",
    ]);
    let colon = prop::sample::select(vec![": ", ":", ":\t", " : ", " ", ":  "]);
    let value = prop::sample::select(vec![
        "false",
        "False",
        "no",
        "OFF",
        "true",
        "yes",
        "on",
        "'false'",
        "\"true\"",
        "\"fal\\x73e\"",
        "'fal''se'",
        "[false]",
        "{x: 1}",
        "&a false",
        "*a",
        "!!bool false",
        "",
        "false # c",
        "false#c",
        "'false'#c",
        "'false",
        "maybe",
        "|",
        ">",
        "false}",
        "[1,",
        "'a",
        "~",
    ]);
    let end = prop::sample::select(vec!["", "", " ", " # c", "\r"]);
    (indent, key, colon, value, end).prop_map(|(i, k, c, v, e)| format!("{i}{k}{c}{v}{e}"))
}

fn yaml_text() -> impl Strategy<Value = String> {
    (prop::bool::ANY, prop::collection::vec(yaml_line(), 0..7)).prop_map(|(bom, lines)| {
        format!("{}{}", if bom { "\u{FEFF}" } else { "" }, lines.join("\n"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Wherever the reader answers, a YAML parser reads the same value (or finds the
    /// file invalid, which opted out before too): the reader can only be stricter.
    #[test]
    fn a_yaml_parser_agrees_wherever_the_reader_answers(text in yaml_text()) {
        if let (Ok(said), Ok(yaml)) = (consent_value(&text), yaml::consent_value(&text)) {
            prop_assert_eq!(said, yaml, "{:?}", text);
        }
    }

    /// What YAML reads as an opt-out, the reader reads as one too, or as broken
    /// (which opts out as well): never as nothing, never as `true`.
    #[test]
    fn no_opt_out_that_yaml_sees_is_missed(text in yaml_text()) {
        if yaml::consent_value(&text) == Ok(Some(false)) {
            let said = consent_value(&text);
            prop_assert!(said == Ok(Some(false)) || said.is_err(), "{:?}: {:?}", text, said);
        }
    }

    /// A `consent: false` line at the start of a line opts out, whatever else the
    /// file holds around it.
    #[test]
    fn a_false_line_always_opts_out(
        before in prop::collection::vec(yaml_line(), 0..5),
        after in prop::collection::vec(yaml_line(), 0..5),
    ) {
        let text = format!("{}\nconsent: false\n{}", before.join("\n"), after.join("\n"));
        let said = consent_value(&text);
        prop_assert!(said == Ok(Some(false)) || said.is_err(), "{:?}: {:?}", text, said);
    }

    /// Any text at all: an answer, no panic.
    #[test]
    fn any_text_is_read_without_panicking(text in any::<String>()) {
        let _ = consent_value(&text);
    }
}
