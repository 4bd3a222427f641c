//! The detached uploader: killed at random points it loses and invents nothing; its
//! marker argument alone is an ordinary argument.

use super::*;

/// Span ids inside the spooled OTLP requests.
fn spooled_span_ids(user: &Taskr) -> HashSet<String> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    let mut ids = HashSet::new();
    for f in spool_files(user) {
        let req: ExportTraceServiceRequest =
            prost::Message::decode(&std::fs::read(f).unwrap()[..]).unwrap();
        for rs in req.resource_spans {
            for ss in rs.scope_spans {
                for s in ss.spans {
                    ids.insert(s.span_id.iter().map(|b| format!("{b:02x}")).collect());
                }
            }
        }
    }
    ids
}

/// The uploader as a run starts it (marker argument and spool variable).
fn uploader(user: &Taskr) -> std::process::Command {
    let mut c = user.command(&[consentry::integration::UPLOADER_ARG]);
    c.env(consentry::integration::UPLOADER_ENV, spool_dir(user));
    c
}

#[test]
fn uploader_killed_mid_send_loses_and_invents_nothing() {
    let collector = Collector::start(CollectorKind::Otelcol);
    // Each request takes 150 ms to reach the collector, so kills land mid-send.
    let proxy = FaultProxy::start(collector.http_port, Mode::Slow(Duration::from_millis(150)));
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    let held = hold_sender_lock(&user);
    for i in 0..12 {
        run_list(&user, &format!("spooling run {i}"));
    }
    drop(held);
    let spooled = spooled_span_ids(&user);
    assert_eq!(spooled.len(), 12);
    assert_eq!(
        proxy.connections(),
        0,
        "a run sent while a sender held the spool"
    );
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    for _ in 0..40 {
        if spool_files(&user).is_empty() {
            break;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = uploader(&user).spawn().expect("spawn uploader");
        std::thread::sleep(Duration::from_millis(seed % 400));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // Whatever is left, an uploader that is not killed delivers.
    let out = uploader(&user).output().expect("uploader");
    assert_eq!(out.status.code(), Some(0));
    assert!(spool_files(&user).is_empty(), "spool not emptied");
    let arrived = collector.wait_for("every spooled span", Duration::from_secs(20), |s| {
        distinct(s).len() >= 12
    });
    assert_eq!(
        distinct(&arrived),
        spooled,
        "arrived span ids differ from the spooled ones"
    );
    eprintln!(
        "SIGKILL test: {} spans arrived for {} spooled (copies for the backend to de-duplicate: {})",
        arrived.len(),
        spooled.len(),
        arrived.len() - spooled.len()
    );
}

/// The marker argument alone is an ordinary argument: a user who types it gets the
/// tool's own answer, not a silent uploader.
#[test]
fn the_marker_argument_alone_is_not_the_uploader() {
    let user = Taskr::new();
    let plain = user.run(&[consentry::integration::UPLOADER_ARG]);
    let mut other = user.command(&[consentry::integration::UPLOADER_ARG]);
    other.env(
        consentry::integration::UPLOADER_ENV,
        user.home().join("elsewhere"),
    );
    let other = support::taskr::run_command(other);
    for r in [&plain, &other] {
        assert_eq!(
            r.code,
            Some(2),
            "clap's usage error, as for any unknown command: {r:?}"
        );
        assert!(
            r.stderr.contains(consentry::integration::UPLOADER_ARG),
            "{r:?}"
        );
    }
}
