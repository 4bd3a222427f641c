//! The Prometheus text pages of the gateway (its own metrics and its exporter).

use std::collections::BTreeMap;

use super::http::http_get;

/// Samples of a Prometheus text page: (name, labels, value).
#[derive(Debug, Default)]
pub struct Metrics {
    pub samples: Vec<(String, BTreeMap<String, String>, f64)>,
    pub text: String,
}

impl Metrics {
    pub fn scrape(port: u16) -> Metrics {
        let text = match http_get(port, "/metrics") {
            Ok((200, body)) => String::from_utf8_lossy(&body).into_owned(),
            other => panic!("scraping 127.0.0.1:{port}/metrics: {other:?}"),
        };
        Metrics::parse(&text)
    }

    pub fn parse(text: &str) -> Metrics {
        let mut samples = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (head, value) = match line.rsplit_once(' ') {
                Some(x) => x,
                None => continue,
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let (name, labels) = match head.split_once('{') {
                Some((n, l)) => (n, l.trim_end_matches('}')),
                None => (head, ""),
            };
            let mut map = BTreeMap::new();
            // Label values here never hold `",`; a simple split is enough.
            for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                if let Some((k, v)) = pair.split_once("=\"") {
                    map.insert(
                        k.trim_matches(',').to_owned(),
                        v.trim_end_matches('"').to_owned(),
                    );
                }
            }
            samples.push((name.to_owned(), map, value));
        }
        Metrics {
            samples,
            text: text.to_owned(),
        }
    }

    /// Sum of the samples of `name` whose labels include every pair in `labels` (a
    /// missing label counts as empty).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map_or("", String::as_str) == *v)
            })
            .map(|(_, _, v)| v)
            .sum()
    }
}
