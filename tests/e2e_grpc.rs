//! End to end over OTLP/gRPC: taskr -> otelcol -> file.

use crate::support;

use support::{CollectorKind, Transport, scenarios};

#[test]
fn each_run_arrives_once_with_masked_values() {
    scenarios::one_span_per_run_with_masked_values(CollectorKind::Otelcol, Transport::Grpc);
}

#[test]
fn opted_out_runs_send_nothing() {
    scenarios::opted_out_runs_send_nothing(Transport::Grpc);
}
