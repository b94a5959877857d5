//! A recording HTTP server on a loopback address for the hostile-environment tests: it plays a
//! token endpoint that redirects or echoes, another host a redirect points at, or a proxy, and
//! records every request it receives (head and body) so a test can prove what reached it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server answers to one request (given the raw request text).
pub type Responder = dyn Fn(&str) -> String + Send + Sync;

/// A running recording server; stops when dropped.
pub struct Recorder {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    /// Listens on `ip` (`127.0.0.1`, `127.0.0.2`, `::1`) at a free port and answers each
    /// request with `respond(raw request)`, closing the connection after each answer.
    pub fn start(ip: &str, respond: impl Fn(&str) -> String + Send + Sync + 'static) -> Recorder {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let respond: Arc<Responder> = Arc::new(respond);
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let request = read_request(&mut stream);
                    requests.lock().unwrap().push(request.clone());
                    let _ = stream.write_all(respond(&request).as_bytes());
                    let _ = stream.shutdown(Shutdown::Both);
                }
            })
        };
        Recorder {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://<ip>:<port>` (IPv6 in brackets).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, raw.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request: the head, then `Content-Length` bytes of body (bounded to 1 MiB).
fn read_request(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let head_end = find(&data, b"\r\n\r\n");
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
                .min(1 << 20);
            if data.len() >= end + 4 + length {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        if data.len() > 2 << 20 {
            break;
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A complete HTTP/1.1 answer with `status`, extra header lines and a body.
pub fn answer(status: &str, headers: &[&str], content_type: &str, body: &str) -> String {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head + body
}

/// The body of a raw request (after the blank line).
pub fn body_of(request: &str) -> &str {
    request.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// A token endpoint's success answer.
pub fn token_answer() -> String {
    answer(
        "200 OK",
        &[],
        "application/json",
        r#"{"token_type":"Bearer","expires_in":3599,"access_token":"h.eyJyb2xlcyI6W119.s"}"#,
    )
}

/// A token endpoint listening on loopback `ip`, and its URL with `host` (`localhost`) in place
/// of the IP when given.
pub fn token_endpoint(ip: &str, host: Option<&str>) -> (Recorder, String) {
    let entra = Recorder::start(ip, |_| token_answer());
    let url = match host {
        Some(name) => format!("http://{name}:{}", entra.port()),
        None => entra.url(),
    };
    (entra, url)
}

/// Asserts that the request for `authority` reached `entra` directly, and `proxy` saw nothing.
pub fn assert_direct(entra: &Recorder, proxy: &Recorder, authority: &str) {
    assert_eq!(
        entra.requests().len(),
        1,
        "{authority} was not asked directly"
    );
    assert!(
        proxy.requests().is_empty(),
        "{authority} went through the proxy: {:?}",
        proxy.requests()
    );
}

/// Every loopback form CMAAD accepts for plain http, as (address to serve on, host name to use
/// instead of it): 127.0.0.1, 127.0.0.2, `localhost` and, where the machine has IPv6 loopback
/// (some containers do not; said on stderr), ::1.
pub fn loopback_hosts() -> Vec<(&'static str, Option<&'static str>)> {
    let mut hosts = vec![
        ("127.0.0.1", None),
        ("127.0.0.2", None),
        ("127.0.0.1", Some("localhost")),
    ];
    if TcpListener::bind(("::1", 0)).is_ok() {
        hosts.push(("::1", None));
    } else {
        eprintln!("this machine has no IPv6 loopback: the [::1] case is not run");
    }
    hosts
}
