//! `taskr telemetry delete` through each real gateway (otelcol's consentrygate and
//! Rotel's Python processor) to a real backend: the erase request arrives with its
//! token and nothing else, the token's SHA-256 is the commitment every one of the
//! install's spans carried, and another install's commitment differs. The store side
//! (erasing, the answers) is tested in answers/tests/test_erasure*.py.

use std::time::Duration;

use sha2::Digest;

use crate::support;
use crate::support::gateway::{Gateway, GatewayOptions};

use support::{Collector, CollectorKind, Taskr, Transport, attr_str};

const ERASE: &str = "consentry.erase";
const COMMITMENT: &str = "consentry.erasure.commitment";
const TOKEN: &str = "consentry.erasure.token";
const INSTALL_ID: &str = "app.installation.id";

fn through(gw: &Gateway, backend: &Collector) {
    let x = Taskr::sending_to(&gw.http_endpoint(), Transport::Http);
    let y = Taskr::sending_to(&gw.http_endpoint(), Transport::Http);
    for user in [&x, &y] {
        assert_eq!(user.run(&["list"]).code, Some(0));
        assert_eq!(user.run(&["add", "a task"]).code, Some(0));
    }
    let id = |u: &Taskr| {
        std::fs::read_to_string(u.config_dir().join("telemetry-install-id"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (x_id, y_id) = (id(&x), id(&y));
    let spans = backend.wait_for("both installs' runs", Duration::from_secs(30), |s| {
        s.iter().filter(|s| s.name == "taskr").count() >= 4
    });
    let commitment = |install: &str| {
        let all: Vec<Option<String>> = spans
            .iter()
            .filter(|s| attr_str(&s.resource, INSTALL_ID).as_deref() == Some(install))
            .map(|s| attr_str(&s.resource, COMMITMENT))
            .collect();
        assert!(
            !all.is_empty() && all.windows(2).all(|w| w[0] == w[1]),
            "{all:?}"
        );
        all[0].clone().expect("a commitment on every span")
    };
    let (x_commitment, y_commitment) = (commitment(&x_id), commitment(&y_id));
    assert_ne!(x_commitment, y_commitment);

    let done = x.run(&["telemetry", "delete"]);
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stdout.contains("erase request delivered"),
        "{}",
        done.stdout
    );
    let spans = backend.wait_for("the erase request", Duration::from_secs(30), |s| {
        s.iter().any(|s| s.name == ERASE)
    });
    let erase: Vec<_> = spans.iter().filter(|s| s.name == ERASE).collect();
    assert_eq!(erase.len(), 1, "{erase:#?}");
    let keys: Vec<&String> = erase[0].attrs.keys().collect();
    assert_eq!(keys, [TOKEN], "the token and nothing else");
    let token = attr_str(&erase[0].attrs, TOKEN).unwrap();
    let hash: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, x_commitment, "the token proves X's commitment");
    assert_ne!(hash, y_commitment);
    assert_eq!(
        attr_str(&erase[0].resource, INSTALL_ID),
        None,
        "the request names no install"
    );
}

#[test]
fn the_otelcol_gateway_forwards_the_erase_request_with_its_proof_only() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    through(&gw, &backend);
}

#[test]
fn the_rotel_gateway_forwards_the_erase_request_with_its_proof_only() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start_rotel(backend.grpc_port, &[]);
    through(&gw, &backend);
}
