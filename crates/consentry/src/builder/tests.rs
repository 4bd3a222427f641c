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
        Telemetry::builder("t")
            .with_exit_budget(Duration::ZERO)
            .build(),
        Err(BuildError::ExitBudget)
    ));
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
