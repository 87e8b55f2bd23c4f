//! A minimal HTTP/1.1 keep-alive client over one loopback connection per device: the load
//! generator's own cost must stay small next to the provider's (ureq's agent pool and
//! per-request allocations would be measured too), and, like `wrk`, it reuses connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use nyckel_core::protocol::{HttpRequest, HttpResponse};

/// One persistent connection to the provider.
pub struct Conn {
    addr: SocketAddr,
    base: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Conn {
    /// A client for `http://ADDR` (connects on first use).
    pub fn new(addr: SocketAddr) -> Conn {
        Conn { addr, base: format!("http://{addr}"), stream: None }
    }

    /// Sends a core request record (its URL must be this provider's) and reads the answer.
    pub fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, String> {
        let path = req.url.strip_prefix(&self.base).ok_or("request for another host")?;
        let headers: Vec<(&str, &str)> =
            req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.exchange(&req.method, path, &headers, &req.body)
    }

    /// Sends `METHOD path` with `headers` and `body`; reads status, headers and a
    /// `Content-Length` body. Reconnects once if a kept-alive connection was closed.
    pub fn exchange(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<HttpResponse, String> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(k);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let reused = self.stream.is_some();
        match self.try_exchange(head.as_bytes(), body) {
            Ok(r) => Ok(r),
            Err(_) if reused => {
                self.stream = None;
                self.try_exchange(head.as_bytes(), body)
            }
            Err(e) => Err(e),
        }
    }

    fn try_exchange(&mut self, head: &[u8], body: &[u8]) -> Result<HttpResponse, String> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr).map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            self.stream = Some(BufReader::new(s));
        }
        let r = self.stream.as_mut().expect("connected");
        let w = r.get_mut();
        w.write_all(head).and_then(|()| w.write_all(body)).map_err(|e| e.to_string())?;
        let out = read_response(r);
        if out.is_err() {
            self.stream = None;
        }
        out
    }
}

fn read_response(r: &mut BufReader<TcpStream>) -> Result<HttpResponse, String> {
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut headers = Vec::new();
    let mut length = None;
    loop {
        line.clear();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').ok_or("bad header line")?;
        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(v.parse::<usize>().map_err(|e| e.to_string())?);
        }
        headers.push((k, v));
    }
    let mut body = vec![0; length.ok_or("an answer without Content-Length")?];
    r.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(HttpResponse { status, headers, body })
}
