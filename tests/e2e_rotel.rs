//! End to end through Rotel, a second OpenTelemetry collector implementation:
//! taskr -> rotel-agent -> otelcol -> file.

use crate::support;

use support::{CollectorKind, Transport, scenarios};

#[test]
fn rotel_receives_over_http() {
    scenarios::one_span_per_run_with_masked_values(CollectorKind::Rotel, Transport::Http);
}

#[test]
fn rotel_receives_over_grpc() {
    scenarios::one_span_per_run_with_masked_values(CollectorKind::Rotel, Transport::Grpc);
}
