//! The site key file beside a store (`site.db.key`): what CMAAD accepts as one and how it writes
//! one.
//!
//! A key file protects the store's secrets only if nobody else chose it or can read it, so an
//! existing key file is checked before it is trusted, as OpenSSH checks its private keys: it
//! must be a regular file (not a symbolic link, FIFO, device or folder; opened without following
//! links and without blocking), owned by the caller, and private: on Unix no group or other
//! permission bits; on Windows owned by the caller, SYSTEM or Administrators with no access for
//! anyone else in its DACL (`acl`, which also says what DACL a new key file gets). Anything else is refused with an error naming the file and
//! the fix.
//!
//! A new key file is written to a temporary file beside it (created owner-only), flushed to
//! disk, then linked into place: the key file either holds the whole key or does not exist, even
//! when the disk fills or the process dies half-way, and two processes creating it at once end up
//! with one key (the second link fails with `AlreadyExists`).

use crate::error::{Error, Result};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A key file holds one line of base64 (44 characters, or a few hundred with a Windows DPAPI
/// blob); anything larger is not a key file.
const MAX_LEN: u64 = 4096;

/// Error code of a key file refused for what it is, who owns it or who else can reach it.
pub const UNSAFE: &str = "SiteKeyFileUnsafe";

/// Reads the key file at `path` after checking what it is; `Ok(None)` when there is none.
///
/// Errors: [`UNSAFE`] (not a regular file, someone else's, readable or writable by others),
/// `SiteKeyUnreadable` (any other I/O failure), `InvalidSiteKey` (larger than a key file).
pub fn read(path: &Path) -> Result<Option<Zeroizing<String>>> {
    let file = match platform::open_unfollowed(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if platform::is_link_refusal(&e) => {
            return Err(not_regular(path, "a symbolic link"))
        }
        Err(e) => return Err(unreadable(path, &e)),
    };
    let meta = file.metadata().map_err(|e| unreadable(path, &e))?;
    if !meta.is_file() {
        return Err(not_regular(path, kind_of(&meta)));
    }
    platform::check_private(&file, &meta, path)?;
    if meta.len() > MAX_LEN {
        return Err(Error::store(
            "InvalidSiteKey",
            format!(
                "The site key file {} is {} bytes, too large to be a key file (at most {MAX_LEN}): restore the store's own key file from your backup.",
                path.display(),
                meta.len()
            ),
        ));
    }
    let mut text = Zeroizing::new(String::with_capacity(MAX_LEN as usize + 1));
    file.take(MAX_LEN)
        .read_to_string(&mut text)
        .map_err(|e| unreadable(path, &e))?;
    Ok(Some(text))
}

/// Creates the key file at `path` holding `text`, all or nothing (see the module docs).
///
/// Errors: `AlreadyExists` when another process created the key file first; any other I/O
/// error (a full disk, a folder the caller cannot write) leaves no key file behind.
pub fn create(path: &Path, text: &[u8]) -> io::Result<()> {
    let temp = temp_path(path)?;
    let linked = write_private(&temp, text).and_then(|()| fs::hard_link(&temp, path));
    // The temporary name goes either way; the key stays reachable only under `path`.
    let _ = fs::remove_file(&temp);
    linked?;
    platform::sync_folder(path)
}

fn write_private(temp: &Path, text: &[u8]) -> io::Result<()> {
    let mut file = platform::create_private(temp)?;
    file.write_all(text)?;
    file.sync_all()
}

/// `site.db.key` → `site.db.key.<random>.tmp`, in the same folder so that linking never
/// crosses file systems.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let mut nonce = [0u8; 8];
    getrandom::getrandom(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{suffix}.tmp"));
    Ok(PathBuf::from(name))
}

/// What a file that is not a regular file is: a link (opened as itself on Windows, see
/// `platform::open_unfollowed`), else as `files::kind_of` says.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    if meta.file_type().is_symlink() {
        "a symbolic link"
    } else {
        crate::files::kind_of(meta)
    }
}

fn unreadable(path: &Path, e: &io::Error) -> Error {
    Error::store(
        "SiteKeyUnreadable",
        format!(
            "The site key file {} cannot be read ({e}): check its permissions.",
            path.display()
        ),
    )
}

fn not_regular(path: &Path, what: &str) -> Error {
    unsafe_file(
        path,
        &format!("is {what}, not a regular file"),
        "if you did not put it there, remove it; otherwise put the key file itself in its place (restore it from your backup)",
    )
}

/// A key file refused for what it is or who can reach it: names the file, the problem and the
/// fix.
pub(crate) fn unsafe_file(path: &Path, problem: &str, fix: &str) -> Error {
    Error::store(
        UNSAFE,
        format!(
            "The site key file {} {problem}; a key that someone else could have planted or can read does not protect the store's secrets: {fix}.",
            path.display()
        ),
    )
}

#[cfg(unix)]
mod platform {
    use super::unsafe_file;
    use crate::error::Result;
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    use std::path::Path;

    /// Opens for reading without following a final symbolic link (`O_NOFOLLOW`) and without
    /// waiting for a FIFO's writer (`O_NONBLOCK`).
    pub fn open_unfollowed(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
    }

    /// `O_NOFOLLOW` on a symbolic link fails with `ELOOP`.
    pub fn is_link_refusal(e: &io::Error) -> bool {
        e.raw_os_error() == Some(libc::ELOOP)
    }

    /// Owned by the caller (effective user), no group or other permission bits.
    pub fn check_private(_file: &File, meta: &Metadata, path: &Path) -> Result<()> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(unsafe_file(
                path,
                &format!("is owned by user ID {}, not by you (user ID {me})", meta.uid()),
                &format!("if you did not create it, remove it and import the store's secrets again; if it is the store's own key, run `chown {me} '{}'` as root", path.display()),
            ));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(unsafe_file(
                path,
                &format!("can be read or written by others (mode {mode:04o})"),
                &format!("run `chmod 600 '{}'`", path.display()),
            ));
        }
        Ok(())
    }

    /// Creates `path` (which must not exist) readable and writable by the owner only.
    pub fn create_private(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }

    /// Makes the new directory entry durable: without it, a crash can lose the link.
    pub fn sync_folder(path: &Path) -> io::Result<()> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        match File::open(dir)?.sync_all() {
            // Some file systems cannot sync a folder; the file itself is synced already.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
            other => other,
        }
    }
}

#[cfg(windows)]
mod platform {
    use crate::error::Result;
    use crate::store::acl;
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;
    use std::os::windows::fs::OpenOptionsExt;
    use std::path::Path;
    use windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT;

    /// Opens the file itself even when it is a symbolic link or junction (which then fails the
    /// regular-file check) instead of what it points to.
    pub fn open_unfollowed(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
            .open(path)
    }

    /// Links are opened, not refused, on Windows (see `open_unfollowed`).
    pub fn is_link_refusal(_e: &io::Error) -> bool {
        false
    }

    /// Owner and DACL (see `acl::check_owner_only`).
    pub fn check_private(file: &File, _meta: &Metadata, path: &Path) -> Result<()> {
        acl::check_owner_only(file, path)
    }

    /// Creates `path` (which must not exist) with the DACL its place calls for.
    pub fn create_private(path: &Path) -> io::Result<File> {
        acl::create_private(path)
    }

    /// NTFS journals the link itself; there is no folder handle to flush.
    pub fn sync_folder(_path: &Path) -> io::Result<()> {
        Ok(())
    }
}
