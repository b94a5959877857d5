//! `fake-site [--site-code XYZ] [--sites N] [--deadline-seconds N]`: a runnable ConfigMgr site
//! for tests of other processes (the Pester suite): a throwaway MIT Kerberos realm on
//! `127.0.0.1` ([`Realm`], Debian's `krb5-kdc`) and the fake SMS Provider accepting its tickets
//! ([`FakeSite`]); with `--sites N` (1–8), N providers of one realm (a hierarchy), the first with
//! the site code given and the others `S02`, `S03`, ....
//!
//! Prints one JSON line with what a client needs: `ProviderMachineName` (`localhost:<port>`, so
//! the SPN is `HTTP/localhost` and the name resolves to loopback only), `SiteCode`,
//! `TrustedCaPath` (the site's "SMS Issuing" root, PEM), `CertificateThumbprint`, `Realm`,
//! `KdcAddress`, `UserName`, `Password` (made for this run), `Commands`, and `Sites` (each
//! provider's `ProviderMachineName` and `SiteCode`; `TrustedCaPath` holds every site's root).
//! The commands read the first site.
//!
//! Then it answers one command per stdin line with one JSON line on stdout:
//! - `objects <Class>`: `{"value":[...]}`, every object of a class as the provider stores it
//!   (secrets sealed);
//! - `secret-sha256 <ID>`: `{"Sha256": "<hex>"|null}`, SHA-256 of the secret the site holds for
//!   application `<ID>` (what the CMG would use) without printing the secret;
//! - `requests`: `{"value":[{"Method","Path","Query","Status","Principal","Scheme",
//!   "CarriedSecret","Body"}]}`, every request so far (secrets redacted);
//! - `auth`: `{"Kerberos","Ntlm","Refused"}`, the authentication counters.
//!
//! It stops, stopping the KDC and removing its folders, when stdin closes, on `quit`, or at the
//! deadline (default 900 s, at most 3600 s), whichever comes first.

use cmaad_fake_adminservice::auth::{AuthConfig, KerberosService};
use cmaad_fake_adminservice::kdc::{Realm, REALM};
use cmaad_fake_adminservice::{Class, FakeSite, SiteConfig};
use serde_json::{json, Value};
use sha2::Digest as _;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The user principal the realm gets (`cmadmin@TEST.CMAAD`).
const USER: &str = "cmadmin";
const DEFAULT_DEADLINE: Duration = Duration::from_secs(900);
const MAX_DEADLINE_SECONDS: u64 = 3600;
const MAX_SITES: usize = 8;
const USAGE: &str =
    "usage: fake-site [--site-code XYZ] [--sites N (1-8)] [--deadline-seconds N (1-3600)]";

struct Args {
    site_code: String,
    sites: usize,
    deadline: Duration,
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1).collect()) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("fake-site: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake-site: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut parsed = Args {
        site_code: "XYZ".into(),
        sites: 1,
        deadline: DEFAULT_DEADLINE,
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--site-code" => parsed.site_code = value,
            "--sites" => {
                parsed.sites = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_SITES).contains(n))
                    .ok_or(format!("--sites '{value}' is not 1 to {MAX_SITES}"))?;
            }
            "--deadline-seconds" => {
                let seconds: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_DEADLINE_SECONDS).contains(s))
                    .ok_or(format!("--deadline-seconds '{value}' is not 1 to 3600"))?;
                parsed.deadline = Duration::from_secs(seconds);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(parsed)
}

fn run(args: &Args) -> Result<(), String> {
    let stop_at = Instant::now() + args.deadline;
    let password = fresh_password();
    let realm = Realm::start(USER, &password, "localhost").map_err(|e| e.to_string())?;
    let kerberos = KerberosService {
        host: "localhost".into(),
        keys: realm.service_keys().to_vec(),
    };
    let codes: Vec<String> = (1..=args.sites)
        .map(|n| match n {
            1 => args.site_code.to_ascii_uppercase(),
            n => format!("S{n:02}"),
        })
        .collect();
    let sites: Vec<FakeSite> = codes
        .iter()
        .map(|code| {
            FakeSite::start(SiteConfig::new(code).auth(AuthConfig {
                kerberos: Some(kerberos.clone()),
                ..Default::default()
            }))
        })
        .collect();
    let site = &sites[0];
    let folder = Folder::create()?;
    let root = folder.0.join("sms-issuing.pem");
    let roots: String = sites.iter().map(|s| s.root_pem()).collect();
    std::fs::write(&root, roots).map_err(|e| format!("write {}: {e}", root.display()))?;
    let listed: Vec<Value> = sites
        .iter()
        .zip(&codes)
        .map(|(s, code)| json!({ "ProviderMachineName": s.provider_machine_name(), "SiteCode": code }))
        .collect();
    let ready = json!({
        "ProviderMachineName": site.provider_machine_name(),
        "SiteCode": args.site_code.to_ascii_uppercase(),
        "TrustedCaPath": root,
        "CertificateThumbprint": site.certificate_sha256(),
        "Realm": REALM,
        "KdcAddress": realm.kdc_address(),
        "UserName": realm.user(),
        "Password": password,
        "Commands": ["objects <Class>", "secret-sha256 <ID>", "requests", "auth", "quit"],
        "DeadlineSeconds": args.deadline.as_secs(),
        "Sites": listed,
    });
    reply(&ready)?;
    serve(site, stop_at)
}

/// Answers stdin commands until stdin closes, `quit`, or `stop_at`.
fn serve(site: &FakeSite, stop_at: Instant) -> Result<(), String> {
    let (tx, rx) = mpsc::channel::<String>();
    // A reader thread, so the deadline holds while stdin is silent; it ends with the process.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let left = stop_at.saturating_duration_since(Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                eprintln!("fake-site: deadline reached, stopping");
                return Ok(());
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let line = line.trim();
        if line == "quit" {
            return Ok(());
        }
        if !line.is_empty() {
            reply(&answer(site, line))?;
        }
    }
}

fn answer(site: &FakeSite, command: &str) -> Value {
    let (verb, argument) = command.split_once(' ').unwrap_or((command, ""));
    match (verb, argument.trim()) {
        ("objects", name) => match Class::from_name(name) {
            Some(class) => json!({ "value": site.objects(class) }),
            None => {
                json!({ "error": format!("no class '{name}': use one of SMS_AAD_Tenant_Ex, SMS_AAD_Application_Ex, SMS_Azure_CloudService, SMS_AAD_Discovery_Settings") })
            }
        },
        ("secret-sha256", id) => match id.parse::<u32>() {
            Ok(id) => {
                json!({ "Sha256": site.plain_secret(id).map(|s| hex(&sha2::Sha256::digest(s.as_bytes()))) })
            }
            Err(_) => json!({ "error": format!("'{id}' is not an application ID") }),
        },
        ("requests", "") => json!({ "value": site.requests().iter().map(|r| json!({
            "Method": r.method,
            "Path": r.path,
            "Query": r.query,
            "Status": r.status,
            "Principal": r.principal,
            "Scheme": r.scheme.map(|s| format!("{s:?}")),
            "CarriedSecret": r.carried_secret,
            "Body": r.body,
        })).collect::<Vec<_>>() }),
        ("auth", "") => {
            let counts = site.auth_counts();
            json!({ "Kerberos": counts.kerberos, "Ntlm": counts.ntlm, "Refused": counts.refused })
        }
        _ => {
            json!({ "error": format!("unknown command '{command}': objects <Class>, secret-sha256 <ID>, requests, auth, quit") })
        }
    }
}

fn reply(value: &Value) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("write to stdout: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password made for this run: tests can then look for it in whatever the client printed.
fn fresh_password() -> String {
    let seed = format!(
        "{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)
    );
    format!(
        "Kerb-{}!",
        &hex(&sha2::Sha256::digest(seed.as_bytes()))[..20]
    )
}

/// The run's folder (the exported root); removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn create() -> Result<Folder, String> {
        let dir = std::env::temp_dir().join(format!("cmaad-fake-site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        Ok(Folder(dir))
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
