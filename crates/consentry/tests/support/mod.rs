//! What the crate's own test binaries share (each is a binary of its own, because the
//! panic hook and the current run are process-wide).

use std::path::Path;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// The one request a run left in `spool`, as its bytes (to search for what must not
/// be there) and decoded.
pub(crate) fn spooled_request(spool: &Path) -> (Vec<u8>, ExportTraceServiceRequest) {
    let file = std::fs::read_dir(spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "otlp"))
        .expect("the run was spooled");
    let bytes = std::fs::read(file).unwrap();
    let request = prost::Message::decode(&bytes[..]).unwrap();
    (bytes, request)
}
