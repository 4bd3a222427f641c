//! What `build` derives and what it refuses.

use super::*;
use std::time::Duration;

#[test]
fn derived_variable_names() {
    let t = Telemetry::builder("my-tool")
        .with_opt_out_var("MYTOOL_NO_METRICS")
        .build()
        .unwrap();
    assert_eq!(
        t.opt_out_vars().collect::<Vec<_>>(),
        [
            "DO_NOT_TRACK",
            "MY_TOOL_TELEMETRY_OPTOUT",
            "MYTOOL_NO_METRICS"
        ]
    );
    assert_eq!(t.endpoint_var(), "MY_TOOL_TELEMETRY_ENDPOINT");
}

#[test]
fn bad_configuration_is_refused() {
    for name in ["", "1tool", "a b", "a/b", &"x".repeat(65)] {
        assert!(
            matches!(
                Telemetry::builder(name).build(),
                Err(BuildError::ToolName(_))
            ),
            "{name:?}"
        );
    }
    assert!(matches!(
        Telemetry::builder("t").with_opt_out_var("A=B").build(),
        Err(BuildError::VarName(_))
    ));
    #[cfg(feature = "http")]
    assert!(matches!(
        Telemetry::builder("t")
            .with_endpoint("localhost:4318")
            .build(),
        Err(BuildError::Endpoint(EndpointError::NotAUrl))
    ));
}

#[test]
fn a_backoff_longer_than_the_spool_keeps_is_capped() {
    let t = Telemetry::builder("t")
        .with_retry_backoff(Duration::from_secs(7200), Duration::from_secs(86_400))
        .build()
        .unwrap();
    let hour = Duration::from_secs(3600);
    assert_eq!(t.settings.backoff, (hour, hour));
    let t = Telemetry::builder("t")
        .with_retry_backoff(Duration::from_secs(2), Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(
        t.settings.backoff,
        (Duration::from_secs(2), Duration::from_secs(2))
    );
}
