//! A throwaway MIT Kerberos realm on `127.0.0.1`: Debian's `krb5-kdc` (`kdb5_util`,
//! `kadmin.local`, `krb5kdc`) in a temporary folder, started by a test and stopped when the
//! [`Realm`] is dropped.
//!
//! The realm has one user principal and one service principal `HTTP/<host>`; the service's keys
//! are read back from the keytab `kadmin.local` writes, so the fake AdminService decrypts the
//! tickets this KDC issued with the keys this KDC made. Nothing global is changed: every tool
//! runs with `KRB5_CONFIG`/`KRB5_KDC_PROFILE` pointing into the folder.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The realm's name.
pub const REALM: &str = "TEST.CMAAD";

/// How long the KDC may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A service key from the keytab: Kerberos encryption type number and key bytes.
#[derive(Clone)]
pub struct ServiceKey {
    /// RFC 3961 encryption type (18 = aes256-cts-hmac-sha1-96, 17 = aes128-cts-hmac-sha1-96).
    pub enctype: u16,
    /// The key.
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceKey(enctype {}, <redacted>)", self.enctype)
    }
}

/// A running KDC and its realm; the KDC is stopped and the folder removed on drop.
pub struct Realm {
    dir: PathBuf,
    kdc: Child,
    port: u16,
    user: String,
    password: String,
    service_host: String,
    service_keys: Vec<ServiceKey>,
}

/// What went wrong setting the realm up.
#[derive(Debug)]
pub struct RealmError(pub String);

impl std::fmt::Display for RealmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RealmError {}

impl Realm {
    /// Creates the realm with user `user` (password `password`) and service `HTTP/<service_host>`,
    /// and starts `krb5kdc` on a free loopback port.
    ///
    /// # Errors
    /// When the MIT tools are missing (install `krb5-kdc krb5-admin-server krb5-user`), a tool
    /// fails, or the KDC does not listen within 15 s.
    pub fn start(user: &str, password: &str, service_host: &str) -> Result<Realm, RealmError> {
        let dir = std::env::temp_dir().join(format!(
            "cmaad-kdc-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| fail(&format!("create {}", dir.display()), e))?;
        let port = free_port()?;
        write_config(&dir, port)?;
        let run = |tool: &str, args: &[&str]| run_tool(&dir, tool, args);
        let master = format!("master-{}", unique_suffix());
        run("kdb5_util", &["create", "-s", "-r", REALM, "-P", &master])?;
        run(
            "kadmin.local",
            &[
                "-r",
                REALM,
                "-q",
                &format!("addprinc -pw {password} {user}"),
            ],
        )?;
        let service = format!("HTTP/{service_host}");
        run(
            "kadmin.local",
            &["-r", REALM, "-q", &format!("addprinc -randkey {service}")],
        )?;
        let keytab = dir.join("http.keytab");
        run(
            "kadmin.local",
            &[
                "-r",
                REALM,
                "-q",
                &format!("ktadd -k {} {service}", keytab.display()),
            ],
        )?;
        let service_keys = read_keytab(&keytab)?;
        let kdc = Command::new(tool_path("krb5kdc"))
            .args(["-n", "-r", REALM])
            .envs(tool_env(&dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| fail("start krb5kdc (install krb5-kdc)", e))?;
        let mut realm = Realm {
            dir,
            kdc,
            port,
            user: format!("{user}@{REALM}"),
            password: password.to_string(),
            service_host: service_host.to_string(),
            service_keys,
        };
        realm.wait_listening()?;
        Ok(realm)
    }

    fn wait_listening(&mut self) -> Result<(), RealmError> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.kdc.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default();
                return Err(RealmError(format!("krb5kdc exited ({status}): {log}")));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(RealmError(format!(
            "krb5kdc did not listen on 127.0.0.1:{} within {START_TIMEOUT:?}",
            self.port
        )))
    }

    /// `tcp://127.0.0.1:<port>`: where clients send AS and TGS requests.
    pub fn kdc_url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`.
    pub fn kdc_address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The user principal, `user@TEST.CMAAD`.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The user's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The host of the service principal `HTTP/<host>`.
    pub fn service_host(&self) -> &str {
        &self.service_host
    }

    /// The service principal's keys, as the KDC generated them (from its keytab).
    pub fn service_keys(&self) -> &[ServiceKey] {
        &self.service_keys
    }

    /// The realm's `krb5.conf` (for MIT tools such as `kinit`).
    pub fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// Adds another user principal.
    ///
    /// # Errors
    /// When `kadmin.local` fails.
    pub fn add_user(&self, user: &str, password: &str) -> Result<(), RealmError> {
        run_tool(
            &self.dir,
            "kadmin.local",
            &[
                "-r",
                REALM,
                "-q",
                &format!("addprinc -pw {password} {user}"),
            ],
        )
    }
}

impl Drop for Realm {
    fn drop(&mut self) {
        let _ = self.kdc.kill();
        let _ = self.kdc.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fail(what: &str, e: impl std::fmt::Display) -> RealmError {
    RealmError(format!("{what}: {e}"))
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A loopback port free for both TCP and UDP (krb5kdc binds both).
fn free_port() -> Result<u16, RealmError> {
    for _ in 0..20 {
        let tcp =
            TcpListener::bind(("127.0.0.1", 0)).map_err(|e| fail("bind a loopback port", e))?;
        let port = tcp
            .local_addr()
            .map_err(|e| fail("local address", e))?
            .port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(RealmError("no loopback port free for TCP and UDP".into()))
}

fn write_config(dir: &Path, port: u16) -> Result<(), RealmError> {
    let d = dir.display();
    let kdc_conf = format!(
        "[kdcdefaults]\n kdc_ports = {port}\n kdc_tcp_ports = {port}\n kdc_listen = 127.0.0.1:{port}\n kdc_tcp_listen = 127.0.0.1:{port}\n\n\
         [realms]\n {REALM} = {{\n  database_name = {d}/principal\n  key_stash_file = {d}/stash\n  acl_file = {d}/kadm5.acl\n  \
         max_life = 10h 0m 0s\n  default_principal_flags = +preauth\n  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n }}\n\n\
         [logging]\n kdc = FILE:{d}/kdc.log\n admin_server = FILE:{d}/kadmin.log\n"
    );
    let krb5_conf = format!(
        "[libdefaults]\n default_realm = {REALM}\n dns_lookup_kdc = false\n dns_lookup_realm = false\n rdns = false\n \
         dns_canonicalize_hostname = false\n udp_preference_limit = 1\n\n\
         [realms]\n {REALM} = {{\n  kdc = 127.0.0.1:{port}\n }}\n"
    );
    for (name, text) in [
        ("kdc.conf", kdc_conf),
        ("krb5.conf", krb5_conf),
        ("kadm5.acl", String::new()),
    ] {
        std::fs::write(dir.join(name), text).map_err(|e| fail(&format!("write {name}"), e))?;
    }
    Ok(())
}

fn tool_env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("KRB5_CONFIG", dir.join("krb5.conf")),
        ("KRB5_KDC_PROFILE", dir.join("kdc.conf")),
        ("KRB5CCNAME", dir.join("ccache")),
    ]
}

/// The MIT tools live in `/usr/sbin` on Debian, which is not on every `PATH`.
fn tool_path(tool: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin"] {
        let path = Path::new(dir).join(tool);
        if path.exists() {
            return path;
        }
    }
    PathBuf::from(tool)
}

fn run_tool(dir: &Path, tool: &str, args: &[&str]) -> Result<(), RealmError> {
    let out = Command::new(tool_path(tool))
        .args(args)
        .envs(tool_env(dir))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            fail(
                &format!("run {tool} (install krb5-kdc krb5-admin-server)"),
                e,
            )
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(RealmError(format!(
            "{tool} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Reads the keys of an MIT keytab (format 0x0502: entries of principal, timestamp, kvno, key).
fn read_keytab(path: &Path) -> Result<Vec<ServiceKey>, RealmError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| fail("read the keytab", e))?;
    let mut r = Reader {
        bytes: &bytes,
        at: 0,
    };
    if r.u16()? != 0x0502 {
        return Err(RealmError(format!(
            "{} is not an MIT keytab (version 0x0502)",
            path.display()
        )));
    }
    let mut keys = Vec::new();
    while r.at < bytes.len() {
        let size = r.u32()? as i32;
        let start = r.at;
        if size <= 0 {
            r.at += size.unsigned_abs() as usize;
            continue;
        }
        let components = r.u16()?;
        r.counted()?; // realm
        for _ in 0..components {
            r.counted()?;
        }
        r.u32()?; // name type
        r.u32()?; // timestamp
        r.u8()?; // kvno (8 bits)
        let enctype = r.u16()?;
        let key = r.counted()?.to_vec();
        keys.push(ServiceKey { enctype, key });
        r.at = start + size as usize;
    }
    if keys.is_empty() {
        return Err(RealmError("the keytab holds no keys".into()));
    }
    Ok(keys)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], RealmError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| RealmError("the keytab is truncated".into()))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, RealmError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, RealmError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, RealmError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn counted(&mut self) -> Result<&[u8], RealmError> {
        let n = self.u16()? as usize;
        self.take(n)
    }
}
