//! The client against loopback servers that answer as a collector may, or as a
//! lying one would: every test bounded by the attempt's timeout.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use super::super::Status;
use super::*;
use crate::deliver::Transport;
use crate::deliver::endpoint::ProxyVars;

fn endpoint(url: &str) -> Endpoint {
    Endpoint::new(url, Transport::HttpProtobuf).unwrap()
}

/// A one-connection server on loopback: reads the request head and body (by its
/// Content-Length), hands it back through the join handle, and writes `answer`
/// in `pieces` with `pause` between them, then closes (or holds the socket open
/// for `hold`).
struct Server {
    url: String,
    seen: thread::JoinHandle<Vec<u8>>,
}

fn serve(answer: Vec<u8>, pieces: usize, pause: Duration, hold: Duration) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = read_request(&mut sock);
        let size = answer.len().div_ceil(pieces.max(1)).max(1);
        for piece in answer.chunks(size) {
            if sock.write_all(piece).is_err() {
                break;
            }
            thread::sleep(pause);
        }
        thread::sleep(hold);
        request
    });
    Server { url, seen }
}

fn read_request(sock: &mut impl Read) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if got.len() >= end + 4 + length {
                return got;
            }
        }
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn answer_of(text: &str) -> Result<(), SendError> {
    let server = serve(text.as_bytes().to_vec(), 1, Duration::ZERO, Duration::ZERO);
    let sent = send(&endpoint(&server.url), b"body", Duration::from_secs(5));
    server.seen.join().unwrap();
    sent
}

fn failed_with(sent: &Result<(), SendError>, words: &str) -> bool {
    matches!(sent, Err(SendError::Retryable { reason: RetryReason::RequestFailed(why), .. }) if why.contains(words))
}

#[test]
fn the_request_is_one_post_of_the_protobuf_body() {
    let server = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        1,
        Duration::ZERO,
        Duration::ZERO,
    );
    let url = format!("{}/v1/traces", server.url);
    let authority = server.url.trim_start_matches("http://").to_owned();
    assert_eq!(
        send(&endpoint(&url), b"\x0a\x00spans", Duration::from_secs(5)),
        Ok(())
    );
    let request = server.seen.join().unwrap();
    let text = String::from_utf8_lossy(&request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("POST /v1/traces HTTP/1.1"));
    let headers: Vec<&str> = lines.collect();
    for want in [
        format!("Host: {authority}"),
        "Content-Type: application/x-protobuf".to_owned(),
        "Content-Length: 7".to_owned(),
        "Connection: close".to_owned(),
        format!("User-Agent: {USER_AGENT}"),
    ] {
        assert!(headers.contains(&want.as_str()), "{want} in {headers:?}");
    }
    assert_eq!(body.as_bytes(), b"\x0a\x00spans");
}

#[test]
fn an_ipv6_literal_is_dialled_and_named_in_host() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        // No IPv6 loopback on this machine: nothing to dial.
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let seen = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let request = read_request(&mut sock);
        sock.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        request
    });
    let url = format!("http://[::1]:{port}/v1/traces");
    assert_eq!(send(&endpoint(&url), b"x", Duration::from_secs(5)), Ok(()));
    let request = String::from_utf8(seen.join().unwrap()).unwrap();
    assert!(
        request.contains(&format!("\r\nHost: [::1]:{port}\r\n")),
        "{request}"
    );
}

#[test]
fn statuses_and_retry_after_are_classified() {
    assert_eq!(
        answer_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        Ok(())
    );
    assert_eq!(answer_of("HTTP/1.0 202 Accepted\r\n\r\n"), Ok(()));
    assert_eq!(
        answer_of("HTTP/1.1 429 Too Many\r\nretry-after:  7 \r\nContent-Length: 0\r\n\r\n"),
        Err(SendError::Retryable {
            reason: RetryReason::Answered(Status::Http(429)),
            retry_after: Some(Duration::from_secs(7)),
        })
    );
    assert_eq!(
        answer_of("HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nnope!"),
        Err(RejectReason::Refused(Status::Http(400)).into())
    );
    // A redirect is an answer like any other, never followed.
    assert_eq!(
        answer_of("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/\r\n\r\n"),
        Err(RejectReason::Refused(Status::Http(307)).into())
    );
    // Interim answers are skipped; the final one counts.
    assert_eq!(
        answer_of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nRetry-After: 1\r\n\r\n"),
        Err(SendError::Retryable {
            reason: RetryReason::Answered(Status::Http(503)),
            retry_after: Some(Duration::from_secs(1)),
        })
    );
    // A status line without a reason phrase is HTTP too.
    assert_eq!(answer_of("HTTP/1.1 204\r\n\r\n"), Ok(()));
}

#[test]
fn a_chunked_body_and_a_body_to_the_close_are_read() {
    assert_eq!(
        answer_of(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\n\r\n"
        ),
        Ok(())
    );
    assert_eq!(answer_of("HTTP/1.1 200 OK\r\n\r\nuntil the end"), Ok(()));
    // The status is the outcome: a body cut short or garbage changes nothing.
    assert_eq!(
        answer_of("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort"),
        Ok(())
    );
    assert_eq!(
        answer_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        Ok(())
    );
}

#[test]
fn answers_that_are_not_http_fail_retryably_and_say_so() {
    for (text, words) in [
        ("SSH-2.0-OpenSSH_9.6\r\n\r\n", "not an HTTP/1.1 status line"),
        ("HTTP/2 200\r\n\r\n", "not an HTTP/1.1 status line"),
        ("HTTP/1.1 20 OK\r\n\r\n", "not an HTTP/1.1 status line"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.1 status line"),
        ("HTTP/1.1 999 What\r\n\r\n", "not an HTTP/1.1 status line"),
        (
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "without a colon",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n",
            "not a number",
        ),
        ("HTTP/1.1 200 OK\r\nContent-Le", "closed before"),
        ("", "closed before"),
        ("\u{0}\u{1}\u{2}\r\n\r\n", "not an HTTP/1.1 status line"),
    ] {
        let sent = answer_of(text);
        assert!(failed_with(&sent, words), "{text:?}: {sent:?}");
    }
    let garbage = serve(vec![0xff; 64], 1, Duration::ZERO, Duration::ZERO);
    // 0xff bytes never end a head: closed before it ended.
    let sent = send(&endpoint(&garbage.url), b"", Duration::from_secs(5));
    garbage.seen.join().unwrap();
    assert!(failed_with(&sent, "closed before"), "{sent:?}");
}

#[test]
fn a_huge_head_is_cut_off_at_its_cap() {
    let mut text = b"HTTP/1.1 200 OK\r\n".to_vec();
    while text.len() < 4 * MAX_HEAD_FOR_TESTS {
        text.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    text.extend_from_slice(b"\r\n");
    let server = serve(text, 1, Duration::ZERO, Duration::ZERO);
    let sent = send(&endpoint(&server.url), b"", Duration::from_secs(5));
    assert!(failed_with(&sent, "head longer than"), "{sent:?}");
    server.seen.join().unwrap();
}

const MAX_HEAD_FOR_TESTS: usize = wire::MAX_HEAD;

#[test]
fn a_slowloris_answer_ends_at_the_attempt_timeout() {
    // A byte every 50 ms: each read succeeds, the whole never completes in time.
    let text = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X-Slow: y\r\n".repeat(40));
    let server = serve(
        text.into_bytes(),
        400,
        Duration::from_millis(50),
        Duration::ZERO,
    );
    let began = Instant::now();
    let sent = send(&endpoint(&server.url), b"", Duration::from_millis(400));
    let took = began.elapsed();
    assert_eq!(sent, Err(RetryReason::TimedOut.into()));
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(server);
}

#[test]
fn a_body_that_never_ends_ends_at_the_attempt_timeout_with_the_status_kept() {
    // The head says 200, the body trickles and the socket stays open.
    let server = serve(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nabc".to_vec(),
        1,
        Duration::ZERO,
        Duration::from_secs(3),
    );
    let began = Instant::now();
    let sent = send(&endpoint(&server.url), b"", Duration::from_millis(300));
    assert_eq!(sent, Ok(()));
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "{:?}",
        began.elapsed()
    );
    drop(server);
}

#[test]
fn no_answer_within_the_timeout_is_timed_out() {
    // Bound and kept: the kernel completes the handshake, nobody ever answers.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", hole.local_addr().unwrap());
    let began = Instant::now();
    assert_eq!(
        send(&endpoint(&url), b"", Duration::from_millis(200)),
        Err(RetryReason::TimedOut.into())
    );
    assert!(began.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_refused_connection_and_an_unknown_name_fail_retryably() {
    // Bound then closed: nothing listens on the port any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sent = send(
        &endpoint(&format!("http://127.0.0.1:{port}")),
        b"",
        Duration::from_secs(2),
    );
    assert!(failed_with(&sent, ""), "{sent:?}");
    let sent = send(
        &endpoint("http://collector.invalid:4318"),
        b"",
        Duration::from_secs(5),
    );
    assert!(failed_with(&sent, "lookup"), "{sent:?}");
}

#[test]
fn urls_are_split_into_what_the_request_needs() {
    let t = url::Target::parse("https://[::1]:4318/v1/traces?x=1#frag").unwrap();
    assert_eq!(
        (t.tls, t.host, t.port, t.authority, t.path),
        (true, "::1", 4318, "[::1]:4318", "/v1/traces?x=1")
    );
    let t = url::Target::parse("http://collector.example/v1/traces").unwrap();
    assert_eq!(
        (t.host, t.port, t.authority),
        ("collector.example", 80, "collector.example")
    );
    let t = url::Target::parse("HTTPS://h").unwrap();
    assert_eq!((t.port, t.path), (443, "/"));
    for bad in [
        "http://h:port/",
        "http://::1:4318/",
        "http://[::1/",
        "http://[::1]x/",
        "ftp://h/",
        "http://h:99999/",
        "http:///x",
    ] {
        assert_eq!(url::Target::parse(bad), None, "{bad}");
    }
}

#[cfg(feature = "tls")]
#[test]
fn a_ca_file_without_a_certificate_is_rejected() {
    let endpoint = Endpoint::new("https://127.0.0.1:1", Transport::HttpProtobuf)
        .unwrap()
        .with_roots(b"not a certificate".to_vec());
    assert_eq!(
        send(&endpoint, b"", Duration::from_secs(1)),
        Err(RejectReason::NoCertificate.into())
    );
}

#[cfg(feature = "tls")]
#[test]
fn a_plain_http_answer_to_a_tls_hello_fails_retryably() {
    // A plain HTTP server on the port: it reads the hello and answers in plain text.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let _ = sock.read(&mut [0u8; 4096]);
        let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    let sent = send(&endpoint(&url), b"", Duration::from_secs(5));
    assert!(failed_with(&sent, ""), "{sent:?}");
    server.join().unwrap();
}

fn via_proxy(url: &str, proxy: &str, no_proxy: Option<&str>) -> Endpoint {
    endpoint(url).with_proxy(ProxyVars {
        proxy: Some(("HTTPS_PROXY".into(), proxy.into())),
        no_proxy: no_proxy.map(str::to_owned),
    })
}

/// A proxy on loopback that answers `CONNECT` with `status` and, when it lets the
/// tunnel through, plays the collector at its far end; hands back both requests.
fn proxy_server(status: &'static str) -> (u16, thread::JoinHandle<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let connect = String::from_utf8(read_request(&mut sock)).unwrap();
        sock.write_all(format!("HTTP/1.1 {status}\r\n\r\n").as_bytes())
            .unwrap();
        if !status.starts_with('2') {
            return (connect, String::new());
        }
        let post = String::from_utf8_lossy(&read_request(&mut sock)).into_owned();
        sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        (connect, post)
    });
    (port, seen)
}

#[test]
fn a_proxy_is_asked_to_connect_and_the_request_goes_through_its_tunnel() {
    let (port, seen) = proxy_server("200 Connection established");
    // The collector's name is the proxy's to resolve: `.invalid` never resolves here.
    let e = via_proxy(
        "http://collector.invalid:4318/v1/traces",
        &format!("http://us%3Aer:pw@127.0.0.1:{port}"),
        Some("localhost,.example.com"),
    );
    assert_eq!(send(&e, b"spans", Duration::from_secs(5)), Ok(()));
    let (connect, post) = seen.join().unwrap();
    assert!(
        connect.starts_with("CONNECT collector.invalid:4318 HTTP/1.1\r\n"),
        "{connect}"
    );
    assert!(
        connect.contains("\r\nHost: collector.invalid:4318\r\n"),
        "{connect}"
    );
    // `us:er:pw`, percent-decoded, in base64.
    assert!(
        connect.contains("\r\nProxy-Authorization: Basic dXM6ZXI6cHc=\r\n"),
        "{connect}"
    );
    assert!(post.starts_with("POST /v1/traces HTTP/1.1\r\n"), "{post}");
    assert!(post.ends_with("\r\n\r\nspans"), "{post}");
}

#[test]
fn a_proxy_that_refuses_fails_the_attempt_and_says_so() {
    let (port, seen) = proxy_server("407 Proxy Authentication Required");
    let e = via_proxy(
        "http://collector.invalid:4318",
        &format!("127.0.0.1:{port}"),
        None,
    );
    let sent = send(&e, b"", Duration::from_secs(5));
    assert!(failed_with(&sent, "proxy answered 407"), "{sent:?}");
    seen.join().unwrap();
}

#[test]
fn a_collector_on_loopback_is_reached_directly_and_an_unusable_proxy_says_why() {
    // The proxy's port is closed: only a direct connection can deliver. No `NO_PROXY`:
    // a loopback collector never goes through a proxy (`NO_PROXY` matching is
    // `proxy::tests`').
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = serve(
        b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
        1,
        Duration::ZERO,
        Duration::ZERO,
    );
    let e = via_proxy(&server.url, &format!("http://127.0.0.1:{closed}"), None);
    assert_eq!(send(&e, b"", Duration::from_secs(5)), Ok(()));
    server.seen.join().unwrap();
    let e = via_proxy(
        "http://collector.invalid:1",
        "socks5://127.0.0.1:1080",
        None,
    );
    let sent = send(&e, b"", Duration::from_secs(5));
    assert!(
        failed_with(
            &sent,
            "proxy from HTTPS_PROXY: socks5:// proxies are not supported"
        ),
        "{sent:?}"
    );
}

#[test]
fn a_name_is_looked_up_and_dialled() {
    let server = serve(
        b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
        1,
        Duration::ZERO,
        Duration::ZERO,
    );
    let url = server.url.replace("127.0.0.1", "localhost");
    // `localhost` may name ::1 first, where nothing listens: the next address is tried.
    assert_eq!(send(&endpoint(&url), b"", Duration::from_secs(5)), Ok(()));
    server.seen.join().unwrap();
}
