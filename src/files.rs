//! Files the library reads are checked for what they are before they are trusted: a regular
//! file (a FIFO would block the host process forever, a device such as `/dev/zero` never ends),
//! no larger than what such a file can sensibly be, opened without blocking and checked again on
//! the open handle so a swap between the check and the open changes nothing.

use crate::error::{Error, Result};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// The largest CA bundle `TrustedCaPath` may name: the whole Mozilla root store is about
/// 220 KiB in PEM, so 4 MiB leaves room for any proxy's chain and refuses anything else.
pub const MAX_CA_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads the regular file at `path` whole, when it is at most `limit` bytes.
///
/// `field` is the option that named the file and `what` says what it should hold ("a PEM file
/// holding the CA certificate"). Errors (`InvalidArgument`, target `field`): `UnreadableFile`
/// when it cannot be opened or read, `NotARegularFile` for a directory, FIFO, socket or device,
/// `FileTooLarge` above `limit`.
pub fn read_regular(path: &Path, field: &str, what: &str, limit: u64) -> Result<Vec<u8>> {
    let unreadable = |e: std::io::Error| {
        Error::invalid(
            field,
            "UnreadableFile",
            format!(
                "{field} '{}' cannot be read ({e}): give the path of {what}.",
                path.display()
            ),
        )
    };
    // Checked before opening too: opening a device or FIFO can have effects of its own.
    check_regular(
        &std::fs::metadata(path).map_err(unreadable)?,
        path,
        field,
        what,
        limit,
    )?;
    let file = open_without_blocking(path).map_err(unreadable)?;
    check_regular(
        &file.metadata().map_err(unreadable)?,
        path,
        field,
        what,
        limit,
    )?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, field, what, limit));
    }
    Ok(bytes)
}

fn check_regular(meta: &Metadata, path: &Path, field: &str, what: &str, limit: u64) -> Result<()> {
    if !meta.is_file() {
        return Err(Error::invalid(
            field,
            "NotARegularFile",
            format!(
                "{field} '{}' is {}, not a regular file: give the path of {what}.",
                path.display(),
                kind_of(meta)
            ),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(path, field, what, limit));
    }
    Ok(())
}

fn too_large(path: &Path, field: &str, what: &str, limit: u64) -> Error {
    Error::invalid(
        field,
        "FileTooLarge",
        format!(
            "{field} '{}' is larger than {} KiB, more than {what} ever is: give the path of {what}.",
            path.display(),
            limit / 1024
        ),
    )
}

/// What a non-regular file is, for messages.
pub fn kind_of(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Opens for reading; on Unix with `O_NONBLOCK` (a FIFO swapped in after the check does not block
/// the open) and `O_NOCTTY`.
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
    }
    #[cfg(not(unix))]
    {
        File::open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, "F", "x", 10).unwrap(), b"0123456789");
        let e = read_regular(&path, "F", "x", 9).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.target.as_deref()),
            ("FileTooLarge", Some("F"))
        );
        let e = read_regular(dir.path(), "F", "x", 9).unwrap_err();
        assert_eq!(e.code, "NotARegularFile");
        let e = read_regular(&dir.path().join("none"), "F", "x", 9).unwrap_err();
        assert_eq!(e.code, "UnreadableFile");
    }
}
