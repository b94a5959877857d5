//! Concurrency: 16 threads on one session and, separately, 8 processes on one store import
//! 800 apps each way. Every acknowledged import is present once, no lock error reaches a
//! caller, and a client ID raced by everyone is accepted exactly once.

mod common;

use cmaad::ffi::cmaad_status::{self, *};
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::Arc;

const THREADS: usize = 16;
const PER_THREAD: usize = 50;
const PROCESSES: usize = 8;
const PER_PROCESS: usize = 100;
const RACED_CLIENT_ID: &str = "deadbeef-0000-4000-8000-000000000000";

/// Client ID number `n` of worker `w`.
fn client_id(w: usize, n: usize) -> String {
    format!("{w:08x}-{n:04x}-4000-8000-000000000000")
}

fn request(client: &str, worker: usize) -> Value {
    let mut r = server_request();
    r["ClientId"] = json!(client);
    r["AppName"] = json!(format!("App {worker} {client}"));
    r
}

/// Imports `count` apps, calling `ack` after each acknowledged one, plus one attempt at the
/// raced client ID; returns the raced attempt's status.
fn work(s: &FfiSession, worker: usize, count: usize, mut ack: impl FnMut(&str)) -> cmaad_status {
    let mut raced = None;
    for n in 0..count {
        let id = client_id(worker + 1, n);
        let (st, doc) = s.import_server(&request(&id, worker), SECRET);
        assert_eq!(st, CMAAD_OK, "worker {worker} import {n}: {doc}");
        ack(&id);
        if n == count / 2 {
            let (st, doc) = s.import_server(&request(RACED_CLIENT_ID, worker), SECRET);
            assert!(
                matches!(st, CMAAD_OK | CMAAD_ALREADY_EXISTS),
                "raced import: {doc}"
            );
            raced = Some(st);
        }
    }
    raced.expect("the raced import was attempted")
}

fn assert_store_holds(s: &FfiSession, expected: &HashSet<String>) {
    let (_, all) = s.get(None);
    let ids: Vec<&str> = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ClientID"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "an app is stored twice");
    for id in expected {
        assert!(
            unique.contains(id.as_str()),
            "acknowledged import {id} missing"
        );
    }
    assert_eq!(ids.iter().filter(|i| **i == RACED_CLIENT_ID).count(), 1);
    assert_eq!(ids.len(), expected.len() + 1);
}

#[test]
fn sixteen_threads_on_one_session() {
    let s = Arc::new(FfiSession::open());
    let handles: Vec<_> = (0..THREADS)
        .map(|w| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let raced = work(&s, w, PER_THREAD, |id| acked.push(id.to_string()));
                (acked, raced)
            })
        })
        .collect();
    let mut expected = HashSet::new();
    let mut winners = 0;
    for h in handles {
        let (acked, raced) = h.join().expect("worker thread");
        expected.extend(acked);
        winners += usize::from(raced == CMAAD_OK);
    }
    assert_eq!(expected.len(), THREADS * PER_THREAD);
    assert_eq!(winners, 1, "the raced client ID is accepted exactly once");
    assert_store_holds(&s, &expected);
}

/// Child side of the multi-process test: imports into the store named by CMAAD_TEST_STORE and
/// prints one `ACK <client id>` line per acknowledged import.
#[test]
fn child_process_worker() {
    let Ok(store) = std::env::var("CMAAD_TEST_STORE") else {
        return;
    };
    let worker: usize = std::env::var("CMAAD_TEST_WORKER").unwrap().parse().unwrap();
    let count: usize = std::env::var("CMAAD_TEST_COUNT").unwrap().parse().unwrap();
    let s = FfiSession::open_with(json!({"StorePath": store}));
    use std::io::Write;
    let out = std::io::stdout();
    let raced = work(&s, worker, count, |id| {
        let mut o = out.lock();
        writeln!(o, "ACK {id}").unwrap();
        o.flush().unwrap();
    });
    println!("RACED {}", raced as u32);
}

/// Starts a child worker process on `store`.
pub fn spawn_worker(store: &std::path::Path, worker: usize, count: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_worker",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CMAAD_TEST_STORE", store)
        .env("CMAAD_TEST_WORKER", worker.to_string())
        .env("CMAAD_TEST_COUNT", count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn worker")
}

#[test]
fn eight_processes_on_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let children: Vec<_> = (0..PROCESSES)
        .map(|w| spawn_worker(&store, w, PER_PROCESS))
        .collect();
    let mut expected = HashSet::new();
    let mut winners = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        for line in stdout.lines() {
            // The test harness may print its own text before the first line.
            if let Some(at) = line.find("ACK ") {
                expected.insert(line[at + 4..].trim().to_string());
            } else if let Some(at) = line.find("RACED ") {
                winners += usize::from(line[at + 6..].trim() == "0");
            }
        }
    }
    assert_eq!(expected.len(), PROCESSES * PER_PROCESS);
    assert_eq!(
        winners, 1,
        "the raced client ID is accepted exactly once across processes"
    );
    let s = FfiSession::open_with(json!({"StorePath": store}));
    assert_store_holds(&s, &expected);
}
