use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// Keeps finished spans in memory until exit. A CLI run makes a handful of spans, so
/// there is no batching thread to start, feed or join.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collected {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

/// Upper bound on spans kept from one run; a runaway loop must not grow memory.
const MAX_SPANS: usize = 2048;

impl Collected {
    pub(crate) fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.spans.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl SpanProcessor for Collected {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        if spans.len() < MAX_SPANS {
            spans.push(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}
