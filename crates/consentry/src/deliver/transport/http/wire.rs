//! HTTP/1.1 on a stream: the request written, the answer's status and `Retry-After`
//! read, the body read within bounds and dropped.
//!
//! The body is read only so that the connection closes cleanly (a socket closed with
//! unread data resets it, which a collector may log as an error); it is not
//! interpreted: an OTLP partial success counts as delivered, as it always did.

use std::io::{self, Read, Write};

use super::url::Target;

/// Largest response head (status line and headers) read; a collector sends a few
/// hundred bytes.
pub(super) const MAX_HEAD: usize = 16 * 1024;
/// Most body bytes read before the connection is dropped.
pub(super) const MAX_BODY: usize = 64 * 1024;
/// Interim (1xx) answers skipped before the final one.
const MAX_INTERIM: usize = 4;

/// What the collector answered.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) retry_after: Option<String>,
}

/// The request line and headers of the `POST`, ending with the blank line.
pub(super) fn request_head(target: &Target<'_>, length: usize, user_agent: &str) -> Vec<u8> {
    let slash = if target.path.starts_with('/') {
        ""
    } else {
        "/"
    };
    format!(
        "POST {slash}{path} HTTP/1.1\r\n\
         Host: {host}\r\n\
         User-Agent: {user_agent}\r\n\
         Content-Type: application/x-protobuf\r\n\
         Content-Length: {length}\r\n\
         Connection: close\r\n\r\n",
        path = target.path,
        host = target.authority,
    )
    .into_bytes()
}

/// Writes the request and reads the answer on `stream`.
pub(super) fn exchange<S: Read + Write>(
    mut stream: S,
    head: &[u8],
    body: &[u8],
) -> io::Result<Answer> {
    let mut request = Vec::with_capacity(head.len() + body.len());
    request.extend_from_slice(head);
    request.extend_from_slice(body);
    stream.write_all(&request)?;
    stream.flush()?;
    let mut reader = Buffered::new(stream);
    let mut interim = 0;
    let answer = loop {
        let head = reader.head()?;
        let answer = parse_head(&head)?;
        match answer.status {
            // A 101 would switch protocols; nothing asked for one.
            100 | 102..=199 if interim < MAX_INTERIM => interim += 1,
            _ => break answer,
        }
    };
    // The outcome is known: a body that is garbage or late changes nothing.
    let _ = reader.drain_body(&answer);
    Ok(answer.into_answer())
}

/// A parsed head: what the outcome needs and how the body is framed.
struct Head {
    status: u16,
    retry_after: Option<String>,
    length: Option<usize>,
    chunked: bool,
}

impl Head {
    fn into_answer(self) -> Answer {
        Answer {
            status: self.status,
            retry_after: self.retry_after,
        }
    }
}

pub(super) fn invalid(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("collector's answer: {why}"),
    )
}

/// The status code of a head's `HTTP/1.x NNN reason` line.
pub(super) fn status_of(head: &[u8]) -> io::Result<u16> {
    let text = std::str::from_utf8(head).map_err(|_| invalid("head is not text"))?;
    status_code(text.split("\r\n").next().unwrap_or_default())
}

fn status_code(status_line: &str) -> io::Result<u16> {
    status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.strip_prefix(['0', '1']))
        .and_then(|s| s.strip_prefix(' '))
        .filter(|s| s.len() >= 3 && (s.len() == 3 || s.as_bytes()[3] == b' '))
        .and_then(|s| s.get(..3))
        .filter(|code| code.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|code| (100..=599).contains(code))
        .ok_or_else(|| {
            let shown: String = status_line.chars().take(40).collect();
            invalid(&format!("not an HTTP/1.1 status line: {shown:?}"))
        })
}

/// `HTTP/1.x NNN reason` and `Name: value` lines; anything else is not HTTP.
fn parse_head(head: &[u8]) -> io::Result<Head> {
    let text = std::str::from_utf8(head).map_err(|_| invalid("head is not text"))?;
    let mut lines = text.split("\r\n");
    let status = status_code(lines.next().unwrap_or_default())?;
    let mut head = Head {
        status,
        retry_after: None,
        length: None,
        chunked: false,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("a header line without a colon"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("retry-after") {
            head.retry_after = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("content-length") {
            head.length = Some(
                value
                    .parse()
                    .map_err(|_| invalid("Content-Length is not a number"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.to_ascii_lowercase().ends_with("chunked");
        }
    }
    Ok(head)
}

/// A stream read through a small buffer, so the head can be split from the body.
struct Buffered<S> {
    stream: S,
    buf: Vec<u8>,
    /// Bytes of `buf` already taken.
    at: usize,
}

impl<S: Read> Buffered<S> {
    fn new(stream: S) -> Self {
        Buffered {
            stream,
            buf: Vec::with_capacity(1024),
            at: 0,
        }
    }

    /// Reads more into the buffer; `false` at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 4096];
        let n = match self.stream.read(&mut chunk) {
            Ok(n) => n,
            // A TLS peer that closes without close_notify: the end, as for TCP.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next head, up to and without its blank line; at most [`MAX_HEAD`] bytes.
    fn head(&mut self) -> io::Result<Vec<u8>> {
        loop {
            let unread = &self.buf[self.at..];
            if let Some(end) = unread.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = unread[..end].to_vec();
                self.at += end + 4;
                return Ok(head);
            }
            if unread.len() > MAX_HEAD {
                return Err(invalid(&format!("head longer than {MAX_HEAD} bytes")));
            }
            if !self.fill()? {
                return Err(invalid("connection closed before the answer's head ended"));
            }
        }
    }

    /// Up to `n` more bytes of body (fewer at the end of the stream), discarded.
    fn skip(&mut self, mut n: usize) -> io::Result<()> {
        loop {
            let take = n.min(self.buf.len() - self.at);
            self.at += take;
            n -= take;
            if n == 0 || !self.fill()? {
                return Ok(());
            }
        }
    }

    /// One CRLF-ended line of a chunked body.
    fn line(&mut self) -> io::Result<String> {
        loop {
            let unread = &self.buf[self.at..];
            if let Some(end) = unread.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&unread[..end]).into_owned();
                self.at += end + 2;
                return Ok(line);
            }
            if unread.len() > 1024 || !self.fill()? {
                return Err(invalid("a chunk line too long or cut off"));
            }
        }
    }

    /// The body as the head frames it, at most [`MAX_BODY`] bytes of it.
    fn drain_body(&mut self, head: &Head) -> io::Result<()> {
        if matches!(head.status, 100..=199 | 204 | 304) {
            return Ok(());
        }
        if head.chunked {
            let mut total = 0usize;
            loop {
                let line = self.line()?;
                let size = line.split(';').next().unwrap_or_default().trim();
                let size = usize::from_str_radix(size, 16)
                    .map_err(|_| invalid("a chunk size that is not hex"))?;
                if size == 0 {
                    return Ok(());
                }
                total = total.saturating_add(size);
                if total > MAX_BODY {
                    return Err(invalid("body too long"));
                }
                self.skip(size)?;
                self.line()?;
            }
        }
        match head.length {
            Some(n) => self.skip(n.min(MAX_BODY)),
            // No framing: the body runs to the end of the connection.
            None => self.skip(MAX_BODY),
        }
    }
}
