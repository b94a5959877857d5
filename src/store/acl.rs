//! Windows only: who may reach a key file, by its security descriptor (Microsoft: "Access
//! Control Lists", "Security Descriptor String Format").
//!
//! A key file CMAAD creates gets an explicit, protected DACL (nothing inherited from the folder),
//! set as the file is created:
//! - a per-user store's key (DPAPI user scope): full control for the caller, SYSTEM and
//!   Administrators, `D:P(A;;FA;;;<caller's SID>)(A;;FA;;;SY)(A;;FA;;;BA)`;
//! - a key under `%ProgramData%` (DPAPI machine scope, which any account of the machine can
//!   unseal, so the DACL is all that keeps others out): owned by Administrators, full control for
//!   SYSTEM and Administrators only, `O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)`, so that elevated admins
//!   and SYSTEM tasks share it.
//!
//! An existing key file is refused unless its owner is the caller, SYSTEM or Administrators and
//! its DACL lets nobody else read or change it (Users, Everyone, Authenticated Users, any other
//! account); a missing (NULL) DACL, which lets everyone in, is refused too. These are the rules
//! Win32-OpenSSH applies to private key files.

use crate::error::{Error, Result};
use crate::store::dpapi::{self, Scope};
use crate::store::keyfile::unsafe_file;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, RawHandle};
use std::path::Path;
use std::ptr;
use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_OWNER, GENERIC_ALL,
    GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityInfo,
    SDDL_REVISION_1, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, GetAce, GetAclInformation, GetTokenInformation, IsWellKnownSid, TokenUser,
    WinBuiltinAdministratorsSid, WinLocalSystemSid, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL,
    ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION, INHERIT_ONLY_ACE, OWNER_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateDirectoryW, CreateFileW, CREATE_NEW, FILE_APPEND_DATA, FILE_ATTRIBUTE_NORMAL,
    FILE_READ_DATA, FILE_WRITE_DATA, WRITE_DAC, WRITE_OWNER,
};
use windows_sys::Win32::System::SystemServices::{
    ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_CALLBACK_ACE_TYPE, MAXIMUM_ALLOWED,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Rights that let an account read the key or replace it.
const REACH: u32 = FILE_READ_DATA
    | FILE_WRITE_DATA
    | FILE_APPEND_DATA
    | WRITE_DAC
    | WRITE_OWNER
    | GENERIC_READ
    | GENERIC_WRITE
    | GENERIC_ALL
    | MAXIMUM_ALLOWED;

/// Creates `path` (which must not exist) with the DACL its place calls for (see the module
/// docs) from the start (`CreateFileW` with `CREATE_NEW` and the descriptor as its security
/// attributes): there is no moment in which the file carries the folder's inherited permissions.
///
/// Errors: `AlreadyExists`; `PermissionDenied` when a key under `%ProgramData%` cannot be given
/// to Administrators (the caller is neither elevated nor SYSTEM); any other I/O error.
pub fn create_private(path: &Path) -> io::Result<File> {
    let sddl = match dpapi::scope_for(path) {
        Scope::Machine => "O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)".to_string(),
        Scope::User => format!(
            "D:P(A;;FA;;;{})(A;;FA;;;SY)(A;;FA;;;BA)",
            Caller::current()?.sid_string()?
        ),
    };
    let descriptor = Local::from_sddl(&sddl)?;
    let attributes = descriptor.attributes();
    let wide = wide_path(path)?;
    // SAFETY: `wide` is NUL-terminated and `attributes` points to a live descriptor.
    let handle = unsafe {
        CreateFileW(
            wide.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            0,
            &attributes,
            CREATE_NEW,
            FILE_ATTRIBUTE_NORMAL,
            ptr::null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(owner_refused_or(io::Error::last_os_error()));
    }
    // SAFETY: a fresh handle that nothing else owns.
    Ok(unsafe { File::from_raw_handle(handle as RawHandle) })
}

/// Creates the store folder `dir` and the folders above it. A folder under `%ProgramData%` is
/// the machine store's: it is created owned by Administrators with a protected DACL that every
/// file in it inherits, full control for SYSTEM and Administrators only
/// (`O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)`): the store and its `-wal` and `-shm` files are
/// then no one else's to read, and nobody else can plant files beside them (`%ProgramData%`
/// itself lets Users read and add files in the folders below it). Any other folder is created
/// as usual and inherits its parent's permissions (a profile's folders are the account's).
pub fn create_folder(dir: &Path) -> io::Result<()> {
    if dpapi::scope_for(dir) == Scope::User {
        return std::fs::create_dir_all(dir);
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let descriptor = Local::from_sddl("O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)")?;
    let attributes = descriptor.attributes();
    let wide = wide_path(dir)?;
    // SAFETY: `wide` is NUL-terminated and `attributes` points to a live descriptor.
    if unsafe { CreateDirectoryW(wide.as_ptr(), &attributes) } == 0 {
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() {
            return Ok(());
        }
        return Err(owner_refused_or(error));
    }
    Ok(())
}

/// `ERROR_INVALID_OWNER`: the caller cannot make Administrators the owner (not elevated, not
/// SYSTEM), said in the words of the fix.
fn owner_refused_or(error: io::Error) -> io::Error {
    if error.raw_os_error() == Some(ERROR_INVALID_OWNER as i32) {
        return io::Error::new(io::ErrorKind::PermissionDenied, "a store under %ProgramData% belongs to Administrators: create it from an elevated session (Run as administrator) or as SYSTEM");
    }
    error
}

/// `path` as a NUL-terminated wide string for `CreateFileW`: absolute, and with the `\\?\`
/// (or `\\?\UNC\`) prefix when it is too long for the classic API (260 characters), as the
/// standard library does for its own calls.
fn wide_path(path: &Path) -> io::Result<Vec<u16>> {
    let absolute = std::path::absolute(path)?;
    let text = absolute.as_os_str().encode_wide().collect::<Vec<u16>>();
    let long = text.len() >= 248 && !absolute.as_os_str().to_string_lossy().starts_with(r"\\?\");
    let mut wide: Vec<u16> = Vec::with_capacity(text.len() + 9);
    if long {
        match absolute.as_os_str().to_string_lossy().strip_prefix(r"\\") {
            Some(_) => {
                wide.extend(r"\\?\UNC\".encode_utf16());
                wide.extend_from_slice(&text[2..]);
            }
            None => {
                wide.extend(r"\\?\".encode_utf16());
                wide.extend_from_slice(&text);
            }
        }
    } else {
        wide.extend_from_slice(&text);
    }
    wide.push(0);
    Ok(wide)
}

/// Refuses `file` (the key file at `path`) unless its owner is the caller, SYSTEM or
/// Administrators and its DACL lets no other account read or change it.
///
/// Errors: `SiteKeyFileUnsafe` naming the file, the account and the `icacls` command that fixes
/// it; `SiteKeyUnreadable` when the security descriptor cannot be read.
pub fn check_owner_only(file: &File, path: &Path) -> Result<()> {
    let unreadable = |e: io::Error| {
        Error::store(
            "SiteKeyUnreadable",
            format!(
                "The permissions of the site key file {} cannot be read ({e}).",
                path.display()
            ),
        )
    };
    let me = Caller::current().map_err(unreadable)?;
    let mut owner: PSID = ptr::null_mut();
    let mut dacl: *mut ACL = ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: the handle is open (with READ_CONTROL, part of GENERIC_READ); on success the
    // descriptor is LocalAlloc'ed and `owner`/`dacl` point into it until `Local` frees it.
    let rc = unsafe {
        GetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            ptr::null_mut(),
            &mut dacl,
            ptr::null_mut(),
            &mut descriptor,
        )
    };
    if rc != 0 {
        return Err(unreadable(io::Error::from_raw_os_error(rc as i32)));
    }
    let _descriptor = Local(descriptor);
    // SAFETY: `owner` and `dacl` point into the descriptor, which is still alive.
    unsafe { check_descriptor(owner, dacl, &me, path) }
}

/// The rules of [`check_owner_only`] applied to an owner and a DACL.
///
/// # Safety
/// `owner` must be null or a valid SID, `dacl` null or a valid ACL.
unsafe fn check_descriptor(owner: PSID, dacl: *const ACL, me: &Caller, path: &Path) -> Result<()> {
    let me_text = me.sid_string().map_err(|e| {
        Error::store(
            "SiteKeyUnreadable",
            format!("The caller's account cannot be read ({e})."),
        )
    })?;
    let fix = |who: &str| {
        format!("if you did not create it, delete it and import the store's secrets again; otherwise run: icacls \"{}\" /inheritance:r /remove:g {who} /grant:r *{me_text}:F *S-1-5-18:F *S-1-5-32-544:F", path.display())
    };
    if owner.is_null() || !me.trusts(owner) {
        return Err(unsafe_file(
            path,
            &format!("is owned by {}, not by you, SYSTEM or Administrators", account(owner)),
            &format!("if you did not create it, delete it and import the store's secrets again; if it is the store's own key, run: icacls \"{}\" /setowner *{me_text}", path.display()),
        ));
    }
    if dacl.is_null() {
        return Err(unsafe_file(
            path,
            "has no DACL, so everyone can read and change it",
            &fix("*S-1-1-0"),
        ));
    }
    if let Some(sid) = untrusted_grantee(dacl, me)? {
        let who = format!("*{}", sid_string(sid).unwrap_or_default());
        return Err(unsafe_file(
            path,
            &format!("can be read or changed by {}", account(sid)),
            &fix(&who),
        ));
    }
    Ok(())
}

/// The first account other than the caller, SYSTEM and Administrators that an allow ACE of
/// `dacl` gives read or write access to.
///
/// # Safety
/// `dacl` must point to a valid ACL.
unsafe fn untrusted_grantee(dacl: *const ACL, me: &Caller) -> Result<Option<PSID>> {
    let mut size = ACL_SIZE_INFORMATION {
        AceCount: 0,
        AclBytesInUse: 0,
        AclBytesFree: 0,
    };
    if GetAclInformation(
        dacl,
        (&mut size as *mut ACL_SIZE_INFORMATION).cast(),
        std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
        AclSizeInformation,
    ) == 0
    {
        return Err(Error::internal(format!(
            "Reading a key file's DACL failed ({}).",
            io::Error::last_os_error()
        )));
    }
    for index in 0..size.AceCount {
        let mut ace: *mut core::ffi::c_void = ptr::null_mut();
        if GetAce(dacl, index, &mut ace) == 0 {
            continue;
        }
        let header = &*(ace as *const ACE_HEADER);
        let allows = [ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_CALLBACK_ACE_TYPE]
            .contains(&u32::from(header.AceType));
        if !allows || u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0 {
            continue;
        }
        // Allow and allow-callback ACEs share this layout: header, mask, SID.
        let allowed = &*(ace as *const ACCESS_ALLOWED_ACE);
        let sid = (&allowed.SidStart as *const u32).cast_mut().cast();
        if allowed.Mask & REACH != 0 && !me.trusts(sid) {
            return Ok(Some(sid));
        }
    }
    Ok(None)
}

/// The calling process's user SID (its token's `TokenUser`).
struct Caller {
    buffer: Vec<u64>,
}

impl Caller {
    fn current() -> io::Result<Caller> {
        let mut token: HANDLE = ptr::null_mut();
        // SAFETY: plain Win32 calls with valid out-pointers; the token handle is closed below.
        unsafe {
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return Err(io::Error::last_os_error());
            }
            let mut needed = 0u32;
            GetTokenInformation(token, TokenUser, ptr::null_mut(), 0, &mut needed);
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER as i32) {
                CloseHandle(token);
                return Err(error);
            }
            let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
            let ok = GetTokenInformation(
                token,
                TokenUser,
                buffer.as_mut_ptr().cast(),
                needed,
                &mut needed,
            );
            let error = io::Error::last_os_error();
            CloseHandle(token);
            if ok == 0 {
                return Err(error);
            }
            Ok(Caller { buffer })
        }
    }

    fn sid(&self) -> PSID {
        // SAFETY: the buffer holds a TOKEN_USER filled by GetTokenInformation (8-byte aligned).
        unsafe { (*(self.buffer.as_ptr() as *const TOKEN_USER)).User.Sid }
    }

    fn sid_string(&self) -> io::Result<String> {
        // SAFETY: `sid()` is a valid SID inside the buffer.
        unsafe { sid_string(self.sid()) }
    }

    /// The caller, SYSTEM or Administrators.
    ///
    /// # Safety
    /// `sid` must be a valid SID.
    unsafe fn trusts(&self, sid: PSID) -> bool {
        windows_sys::Win32::Security::EqualSid(sid, self.sid()) != 0
            || IsWellKnownSid(sid, WinLocalSystemSid) != 0
            || IsWellKnownSid(sid, WinBuiltinAdministratorsSid) != 0
    }
}

/// `S-1-5-...` for a SID.
///
/// # Safety
/// `sid` must be a valid SID.
unsafe fn sid_string(sid: PSID) -> io::Result<String> {
    let mut text: *mut u16 = ptr::null_mut();
    if ConvertSidToStringSidW(sid, &mut text) == 0 {
        return Err(io::Error::last_os_error());
    }
    let local = Local(text.cast());
    let mut len = 0;
    while *text.add(len) != 0 {
        len += 1;
    }
    let s = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
    drop(local);
    Ok(s)
}

/// How an error names an account: Everyone, Users and Authenticated Users by name, any other by
/// its SID.
///
/// # Safety
/// `sid` must be null or a valid SID.
unsafe fn account(sid: PSID) -> String {
    if sid.is_null() {
        return "nobody (no owner)".to_string();
    }
    let text = sid_string(sid).unwrap_or_else(|_| "an unknown account".to_string());
    let name = match text.as_str() {
        "S-1-1-0" => "Everyone",
        "S-1-5-32-545" => "Users",
        "S-1-5-11" => "Authenticated Users",
        "S-1-5-32-546" => "Guests",
        _ => return format!("the account {text}"),
    };
    format!("{name} ({text})")
}

/// Memory Windows allocated with LocalAlloc, freed on drop.
struct Local(*mut core::ffi::c_void);

impl Local {
    fn from_sddl(sddl: &str) -> io::Result<Local> {
        let wide: Vec<u16> = sddl.encode_utf16().chain(Some(0)).collect();
        let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated; on success the descriptor is LocalAlloc'ed.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Local(descriptor))
    }
}

impl Local {
    /// Security attributes that give a new file or folder this descriptor.
    fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.0,
            bInheritHandle: 0,
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from a LocalAlloc'ing Win32 call and is freed once.
            unsafe { LocalFree(self.0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use windows_sys::Win32::Security::{GetSecurityDescriptorDacl, GetSecurityDescriptorOwner};

    const KEY: &str = r"C:\store\site.db.key";

    /// Applies the key file rules to a descriptor built from `sddl` (`ME` = the caller's SID).
    fn check_sddl(sddl: &str) -> Result<()> {
        let me = Caller::current().unwrap();
        let descriptor = Local::from_sddl(&sddl.replace("ME", &me.sid_string().unwrap())).unwrap();
        let (mut owner, mut dacl): (PSID, *mut ACL) = (ptr::null_mut(), ptr::null_mut());
        let (mut present, mut defaulted) = (0, 0);
        // SAFETY: the descriptor stays alive for the whole check.
        unsafe {
            assert_ne!(
                GetSecurityDescriptorOwner(descriptor.0, &mut owner, &mut defaulted),
                0
            );
            assert_ne!(
                GetSecurityDescriptorDacl(descriptor.0, &mut present, &mut dacl, &mut defaulted),
                0
            );
            assert_ne!(
                present, 0,
                "the test descriptor must carry a DACL (or a NULL one)"
            );
            check_descriptor(owner, dacl, &me, Path::new(KEY))
        }
    }

    fn refused(sddl: &str, naming: &str) {
        let e = check_sddl(sddl).unwrap_err();
        assert_eq!(e.code, "SiteKeyFileUnsafe", "{sddl}: {e:?}");
        assert!(e.message.contains(KEY), "names the file: {}", e.message);
        assert!(e.message.contains(naming), "names {naming}: {}", e.message);
        assert!(e.message.contains("icacls"), "says the fix: {}", e.message);
    }

    #[test]
    fn owner_only_descriptors_pass() {
        check_sddl("O:MED:P(A;;FA;;;ME)(A;;FA;;;SY)(A;;FA;;;BA)").unwrap();
        check_sddl("O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)").unwrap();
        check_sddl("O:SYD:P(A;;FA;;;SY)").unwrap();
        // An inherit-only ACE does not apply to the file; a deny ACE grants nothing; reading
        // the permissions themselves (READ_CONTROL | SYNCHRONIZE) is not reading the key.
        check_sddl("O:MED:P(A;;FA;;;ME)(A;IO;FR;;;BU)(D;;FA;;;WD)(A;;0x120000;;;WD)").unwrap();
    }

    #[test]
    fn others_who_can_read_or_change_the_key_are_refused() {
        refused("O:MED:(A;;FA;;;ME)(A;;FR;;;BU)", "Users (S-1-5-32-545)");
        refused("O:MED:(A;;FA;;;ME)(A;;0x1200a9;;;WD)", "Everyone (S-1-1-0)");
        refused(
            "O:MED:(A;;FA;;;ME)(A;;FR;;;AU)",
            "Authenticated Users (S-1-5-11)",
        );
        refused(
            "O:MED:(A;;FA;;;ME)(A;;GR;;;S-1-5-21-1-2-3-1001)",
            "S-1-5-21-1-2-3-1001",
        );
        refused("O:MED:(A;;FA;;;ME)(A;;WD;;;BU)", "Users");
        refused("O:MED:(A;;FA;;;ME)(A;ID;FR;;;BU)", "/inheritance:r");
    }

    #[test]
    fn a_null_dacl_is_refused() {
        let me = Caller::current().unwrap();
        // SAFETY: the caller's own SID; a null DACL is what "no DACL" means.
        let e =
            unsafe { check_descriptor(me.sid(), ptr::null(), &me, Path::new(KEY)) }.unwrap_err();
        assert_eq!(e.code, "SiteKeyFileUnsafe");
        assert!(
            e.message.contains("no DACL") && e.message.contains(KEY),
            "{}",
            e.message
        );
    }

    #[test]
    fn someone_elses_key_file_is_refused() {
        refused(
            "O:S-1-5-21-1-2-3-1001D:P(A;;FA;;;ME)",
            "owned by the account S-1-5-21-1-2-3-1001",
        );
        refused("O:BUD:P(A;;FA;;;ME)", "owned by Users");
    }

    #[test]
    fn created_key_files_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.db.key");
        drop(create_private(&path).unwrap());
        check_owner_only(&File::open(&path).unwrap(), &path).unwrap();
        assert_eq!(
            create_private(&path).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
    }

    #[test]
    fn machine_store_folders_are_created_and_hold_a_store() {
        let program_data = std::env::var_os("ProgramData").expect("%ProgramData% is set");
        let dir = tempfile::tempdir_in(&program_data).unwrap();
        let folder = dir.path().join(r"CMAAD\site");
        create_folder(&folder).unwrap();
        assert!(folder.is_dir());
        create_folder(&folder).unwrap();
        let store = crate::store::Store::open(&folder.join("site.db")).unwrap();
        drop(store);
        assert!(folder.join("site.db.key").is_file());
    }

    #[test]
    fn machine_key_files_belong_to_administrators() {
        let program_data = std::env::var_os("ProgramData").expect("%ProgramData% is set");
        let dir = tempfile::tempdir_in(&program_data).unwrap();
        let path = dir.path().join("site.db.key");
        assert_eq!(dpapi::scope_for(&path), Scope::Machine);
        drop(create_private(&path).unwrap());
        check_owner_only(&File::open(&path).unwrap(), &path).unwrap();
    }
}
