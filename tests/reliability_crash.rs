//! Crash safety: a writer killed with SIGKILL at random points, 20 times in a row on one store.
//! After each kill the store opens, passes SQLite's integrity check and holds every import that
//! was acknowledged before the kill.

mod common;

use cmaad::ffi::cmaad_status::*;
use common::*;
use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const KILLS: usize = 20;

/// Child side: imports apps into CMAAD_CRASH_STORE until killed, printing `ACK <id>` after
/// each acknowledged import.
#[test]
fn crash_writer() {
    let Ok(store) = std::env::var("CMAAD_CRASH_STORE") else {
        return;
    };
    let round: u32 = std::env::var("CMAAD_CRASH_ROUND").unwrap().parse().unwrap();
    let s = FfiSession::open_with(json!({"StorePath": store}));
    let out = std::io::stdout();
    for n in 0..1_000_000u32 {
        let id = format!("{round:08x}-{:04x}-4000-8000-{n:012x}", n >> 16);
        let mut r = server_request();
        r["ClientId"] = json!(id);
        let (st, doc) = s.import_server(&r, SECRET);
        assert_eq!(st, CMAAD_OK, "{doc}");
        let mut o = out.lock();
        writeln!(o, "ACK {id}").unwrap();
        o.flush().unwrap();
    }
}

/// A pseudo-random delay from the clock's nanoseconds (no seed to manage, differs each run).
fn jitter(max_ms: u64) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    Duration::from_millis(5 + nanos % max_ms)
}

#[test]
fn sigkilled_writer_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("site.db");
    let mut acked: HashSet<String> = HashSet::new();
    for round in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_writer", "--nocapture", "--test-threads=1"])
            .env("CMAAD_CRASH_STORE", &store)
            .env("CMAAD_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.find("ACK ").map(|at| l[at + 4..].to_string()))
                .filter(|id| id.len() == 36)
                .collect::<Vec<_>>()
        });
        // Let it open the store and write for a random while, then kill it mid-flight.
        let started = Instant::now();
        std::thread::sleep(jitter(120));
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        let this_round = reader.join().unwrap();
        acked.extend(this_round.iter().cloned());
        check_store(&store, &acked, round, started.elapsed());
    }
    assert!(
        acked.len() >= KILLS,
        "the writers acknowledged too few imports ({}) to test anything",
        acked.len()
    );
    eprintln!(
        "crash safety: {KILLS} SIGKILLs, {} acknowledged imports, 0 lost, integrity ok each time",
        acked.len()
    );
}

fn check_store(store: &std::path::Path, acked: &HashSet<String>, round: usize, ran: Duration) {
    let conn = rusqlite::Connection::open(store).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        integrity, "ok",
        "round {round}: integrity check failed after {ran:?}"
    );
    drop(conn);
    let s = FfiSession::open_with(json!({"StorePath": store}));
    let (_, all) = s.get(None);
    let stored: HashSet<String> = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ClientID"].as_str().unwrap().to_string())
        .collect();
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "round {round}: {} acknowledged imports lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
}
