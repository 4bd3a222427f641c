//! An HTTP/1.1 client (ureq) for the gateway tests, loopback only. It reports every
//! status as an answer (a 413 is a result here, not an error) and never uses a proxy.

use std::time::Duration;

/// Biggest response body read; the gateway's answers are small.
const BODY_LIMIT: u64 = 16 << 20;

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client of 127.0.0.1:port that keeps its connection alive between requests.
pub struct HttpConn {
    port: u16,
    agent: ureq::Agent,
}

impl HttpConn {
    pub fn new(port: u16, timeout: Duration) -> HttpConn {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build()
            .into();
        HttpConn { port, agent }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn post(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, ureq::Error> {
        let mut req = self.agent.post(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        read(req.send(body)?)
    }

    pub fn get(&mut self, path: &str) -> Result<HttpResponse, ureq::Error> {
        read(self.agent.get(self.url(path)).call()?)
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Result<HttpResponse, ureq::Error> {
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()?;
    Ok(HttpResponse { status, body })
}

pub fn http_post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<HttpResponse, ureq::Error> {
    HttpConn::new(port, Duration::from_secs(15)).post(path, headers, body)
}

pub fn http_get(port: u16, path: &str) -> Result<(u16, Vec<u8>), ureq::Error> {
    let r = HttpConn::new(port, Duration::from_secs(5)).get(path)?;
    Ok((r.status, r.body))
}
