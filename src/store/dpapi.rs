//! Windows only: the site key sealed with DPAPI (`CryptProtectData` / `CryptUnprotectData`,
//! crypt32) in the key file, so that a copy of the file alone opens nothing.
//!
//! Scope (Microsoft: "CryptProtectData function", dpapi.h): a store under `%ProgramData%` is
//! the machine's, used by SYSTEM and service-account scheduled tasks, so its key is sealed for
//! the machine (`CRYPTPROTECT_LOCAL_MACHINE`): any account on that machine can unseal it, and
//! the key file's owner-only DACL (`acl`) is what keeps other accounts out. Any other store is
//! per-user and its key is sealed for the account alone (user scope: that account's DPAPI master
//! key, which follows the account's password). `CryptUnprotectData` reads the scope from the
//! blob itself.

use std::io;
use std::path::Path;
use std::ptr;
use windows_sys::Win32::Foundation::LocalFree;
use windows_sys::Win32::Security::Cryptography::{
    CryptProtectData, CryptUnprotectData, CRYPTPROTECT_LOCAL_MACHINE, CRYPTPROTECT_UI_FORBIDDEN,
    CRYPT_INTEGER_BLOB,
};
use zeroize::Zeroizing;

/// Additional entropy bound into every blob: another program's `CryptUnprotectData` call
/// without it cannot open a CMAAD key (DPAPI's "optional entropy").
const ENTROPY: &[u8] = b"CMAAD site key v1";

/// Whose DPAPI key seals the site key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The calling account's DPAPI key.
    User,
    /// The machine's DPAPI key (`CRYPTPROTECT_LOCAL_MACHINE`).
    Machine,
}

/// Machine scope for a key file under `%ProgramData%` (default `C:\ProgramData`), user scope
/// for any other place.
pub fn scope_for(key_file: &Path) -> Scope {
    let program_data = std::env::var_os("ProgramData")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| r"C:\ProgramData".into());
    let absolute = std::path::absolute(key_file).unwrap_or_else(|_| key_file.to_path_buf());
    if is_under(&absolute.to_string_lossy(), &program_data.to_string_lossy()) {
        Scope::Machine
    } else {
        Scope::User
    }
}

/// True when `path` lies inside `folder`, compared as Windows compares paths: case-insensitive,
/// `/` and `\` alike, with or without the `\\?\` prefix.
fn is_under(path: &str, folder: &str) -> bool {
    let norm = |p: &str| {
        let p = p.replace('/', "\\").to_lowercase();
        let p = p.strip_prefix(r"\\?\").map(str::to_string).unwrap_or(p);
        p.trim_end_matches('\\').to_string()
    };
    let (path, folder) = (norm(path), norm(folder));
    !folder.is_empty()
        && path.len() > folder.len()
        && path.starts_with(&folder)
        && path[folder.len()..].starts_with('\\')
}

/// Seals `data` with DPAPI in `scope`; never shows UI.
pub fn protect(data: &[u8], scope: Scope) -> io::Result<Vec<u8>> {
    let input = blob(data)?;
    let entropy = blob(ENTROPY)?;
    let mut flags = CRYPTPROTECT_UI_FORBIDDEN;
    if scope == Scope::Machine {
        flags |= CRYPTPROTECT_LOCAL_MACHINE;
    }
    let description: Vec<u16> = "CMAAD site key\0".encode_utf16().collect();
    let mut output = empty_blob();
    // SAFETY: every pointer refers to a live, correctly sized buffer for the call's duration;
    // on success DPAPI allocates `output` with LocalAlloc and `take_output` frees it.
    let ok = unsafe {
        CryptProtectData(
            &input,
            description.as_ptr(),
            &entropy,
            ptr::null(),
            ptr::null(),
            flags,
            &mut output,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `output` was filled by a successful CryptProtectData call.
    Ok(unsafe { take_output(output) }.to_vec())
}

/// Opens a blob sealed by [`protect`] (either scope) into zeroizing memory; never shows UI.
pub fn unprotect(sealed: &[u8]) -> io::Result<Zeroizing<Vec<u8>>> {
    let input = blob(sealed)?;
    let entropy = blob(ENTROPY)?;
    let mut output = empty_blob();
    // SAFETY: as in `protect`.
    let ok = unsafe {
        CryptUnprotectData(
            &input,
            ptr::null_mut(),
            &entropy,
            ptr::null(),
            ptr::null(),
            CRYPTPROTECT_UI_FORBIDDEN,
            &mut output,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `output` was filled by a successful CryptUnprotectData call.
    Ok(unsafe { take_output(output) })
}

fn empty_blob() -> CRYPT_INTEGER_BLOB {
    CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: ptr::null_mut(),
    }
}

fn blob(data: &[u8]) -> io::Result<CRYPT_INTEGER_BLOB> {
    Ok(CRYPT_INTEGER_BLOB {
        cbData: u32::try_from(data.len()).map_err(|_| io::Error::other("too large for DPAPI"))?,
        // DPAPI only reads input blobs.
        pbData: data.as_ptr().cast_mut(),
    })
}

/// Copies DPAPI's output into zeroizing memory, wipes DPAPI's buffer and frees it.
///
/// # Safety
/// `output` must come from a successful `CryptProtectData`/`CryptUnprotectData` call.
unsafe fn take_output(output: CRYPT_INTEGER_BLOB) -> Zeroizing<Vec<u8>> {
    if output.pbData.is_null() {
        return Zeroizing::new(Vec::new());
    }
    let bytes = std::slice::from_raw_parts_mut(output.pbData, output.cbData as usize);
    let copy = Zeroizing::new(bytes.to_vec());
    zeroize::Zeroize::zeroize(bytes);
    LocalFree(output.pbData.cast());
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_data_paths_are_machine_scope() {
        assert!(is_under(
            r"C:\ProgramData\CMAAD\site.db.key",
            r"C:\ProgramData"
        ));
        assert!(is_under(
            r"\\?\c:\programdata\cmaad\site.db.key",
            r"C:\ProgramData\"
        ));
        assert!(is_under(
            "C:/ProgramData/CMAAD/site.db.key",
            r"C:\ProgramData"
        ));
        assert!(!is_under(r"C:\ProgramDataX\site.db.key", r"C:\ProgramData"));
        assert!(!is_under(
            r"C:\Users\Jürgen\AppData\Local\CMAAD\site.db.key",
            r"C:\ProgramData"
        ));
        assert!(!is_under(r"C:\ProgramData", r"C:\ProgramData"));
    }

    #[test]
    fn scope_follows_the_key_files_place() {
        let program_data = std::env::var_os("ProgramData").expect("%ProgramData% is set");
        let machine = Path::new(&program_data).join(r"CMAAD\site.db.key");
        assert_eq!(scope_for(&machine), Scope::Machine);
        let user = Path::new(r"C:\Users\Jürgen\AppData\Local\CMAAD\site.db.key");
        assert_eq!(scope_for(user), Scope::User);
        assert_eq!(
            scope_for(Path::new(r"\\cm01\share\site.db.key")),
            Scope::User
        );
    }

    #[test]
    fn round_trip_in_both_scopes() {
        for scope in [Scope::User, Scope::Machine] {
            let sealed = protect(b"0123456789abcdef0123456789abcdef", scope).unwrap();
            assert!(!sealed.windows(16).any(|w| w == b"0123456789abcdef"));
            assert_eq!(
                unprotect(&sealed).unwrap().as_slice(),
                b"0123456789abcdef0123456789abcdef"
            );
        }
        assert!(unprotect(b"not a DPAPI blob").is_err());
    }
}
