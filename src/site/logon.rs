//! The logged-on user's Windows credentials for `Negotiate` (Windows only): what a scheduled
//! task running as SYSTEM (the computer account) or as a service account uses when no
//! `-Credential` is given, as the ConfigMgr console and `Invoke-RestMethod
//! -UseDefaultCredentials` do.
//!
//! Windows' own SSPI (secur32) does the work: `AcquireCredentialsHandleW` with no principal and
//! no authentication data takes the logon session's credentials, and `InitializeSecurityContextW`
//! for `HTTP/<provider host>` with mutual authentication produces the tokens ("SSPI" and
//! "Kerberos and the HTTP Negotiate scheme", Microsoft Learn). The package is `Kerberos`
//! unless the admin allowed NTLM (`Negotiate`) or asked for it (`NTLM`), so a site since
//! ConfigMgr 2509 never sees an NTLM attempt it would refuse. Devolutions' `sspi` crate
//! cannot reach a logon session's credentials (it needs the password), hence the system API
//! through Microsoft's `windows-sys` bindings.

use crate::error::{Error, Result};
use std::ptr;
use windows_sys::Win32::Foundation::{SEC_E_OK, SEC_I_CONTINUE_NEEDED};
use windows_sys::Win32::Security::Authentication::Identity::{
    AcquireCredentialsHandleW, DeleteSecurityContext, FreeContextBuffer, FreeCredentialsHandle,
    InitializeSecurityContextW, SecBuffer, SecBufferDesc, ISC_REQ_ALLOCATE_MEMORY,
    ISC_REQ_MUTUAL_AUTH, SECBUFFER_TOKEN, SECBUFFER_VERSION, SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
};
use windows_sys::Win32::Security::Credentials::SecHandle;

/// Most legs a context takes (NTLM: negotiate, authenticate; Kerberos: AP-REQ, AP-REP).
pub const MAX_LEGS: usize = 3;

/// An SSPI client context as the logged-on user; handles are released on drop.
pub struct LogonContext {
    credentials: SecHandle,
    context: Option<SecHandle>,
    target: Vec<u16>,
    complete: bool,
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

impl LogonContext {
    /// Takes the logged-on user's credentials for `package` (`Kerberos`, `Negotiate`, `NTLM`)
    /// and makes the first token for the service `HTTP/<host>`.
    ///
    /// # Errors
    /// `InvalidArgument` `SiteLogonFailed` when Windows has no usable credential for it (e.g.
    /// a local account, no domain controller reachable, no SPN), naming `-Credential`.
    pub fn begin(package: &str, host: &str) -> Result<(LogonContext, Vec<u8>)> {
        let package_name = wide(package);
        let mut credentials = SecHandle::default();
        let mut expiry = 0i64;
        // SAFETY: every pointer is valid for the call or NULL where the API allows it; a NULL
        // principal and NULL auth data select the logon session's own credentials.
        let status = unsafe {
            AcquireCredentialsHandleW(
                ptr::null(),
                package_name.as_ptr(),
                SECPKG_CRED_OUTBOUND,
                ptr::null(),
                ptr::null(),
                None,
                ptr::null(),
                &mut credentials,
                &mut expiry,
            )
        };
        if status != SEC_E_OK {
            return Err(failed("AcquireCredentialsHandleW", status, package, host));
        }
        let mut context = LogonContext {
            credentials,
            context: None,
            target: wide(&format!("HTTP/{host}")),
            complete: false,
        };
        let token = context
            .step(None)
            .map_err(|status| failed("InitializeSecurityContextW", status, package, host))?;
        Ok((context, token))
    }

    /// True once Windows considers the context established (mutual authentication done).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Feeds the provider's token; returns the next token to send (empty when none).
    ///
    /// # Errors
    /// `Network` `SiteNotAuthenticated` when the provider's answer does not complete the
    /// context (the server is not the provider the ticket was for).
    pub fn answer(&mut self, server_token: &[u8]) -> Result<Vec<u8>> {
        self.step(Some(server_token)).map_err(|status| {
            Error::new(
                crate::error::Status::Network,
                "SiteNotAuthenticated",
                format!("The SMS Provider's Negotiate answer does not check out (SSPI status 0x{status:08X}): the server that answered is not the provider the ticket was issued for. Check ProviderMachineName and DNS."),
            )
        })
    }

    /// One `InitializeSecurityContextW` call; the raw SSPI status on failure.
    fn step(&mut self, input: Option<&[u8]>) -> std::result::Result<Vec<u8>, i32> {
        let mut in_buffer = SecBuffer {
            cbBuffer: input.map_or(0, |i| i.len() as u32),
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: input.map_or(ptr::null_mut(), |i| i.as_ptr() as *mut _),
        };
        let in_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut in_buffer,
        };
        let mut out_buffer = SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: ptr::null_mut(),
        };
        let mut out_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut out_buffer,
        };
        let mut new_context = self.context.unwrap_or_default();
        let mut attributes = 0u32;
        let mut expiry = 0i64;
        let current = self.context.as_ref().map_or(ptr::null(), |c| c as *const _);
        // SAFETY: the handles are ours and alive; the buffers outlive the call; with
        // ISC_REQ_ALLOCATE_MEMORY Windows allocates the output token, freed below.
        let status = unsafe {
            InitializeSecurityContextW(
                &self.credentials,
                current,
                self.target.as_ptr(),
                ISC_REQ_MUTUAL_AUTH | ISC_REQ_ALLOCATE_MEMORY,
                0,
                SECURITY_NATIVE_DREP,
                if input.is_some() {
                    &in_desc
                } else {
                    ptr::null()
                },
                0,
                &mut new_context,
                &mut out_desc,
                &mut attributes,
                &mut expiry,
            )
        };
        let token = if out_buffer.pvBuffer.is_null() {
            Vec::new()
        } else {
            // SAFETY: Windows allocated cbBuffer bytes at pvBuffer; copied, then freed once.
            let bytes = unsafe {
                std::slice::from_raw_parts(
                    out_buffer.pvBuffer as *const u8,
                    out_buffer.cbBuffer as usize,
                )
            }
            .to_vec();
            // SAFETY: allocated by SSPI for this call.
            unsafe { FreeContextBuffer(out_buffer.pvBuffer) };
            bytes
        };
        match status {
            SEC_E_OK | SEC_I_CONTINUE_NEEDED => {
                self.context = Some(new_context);
                self.complete = status == SEC_E_OK;
                Ok(token)
            }
            failure => Err(failure),
        }
    }
}

impl Drop for LogonContext {
    fn drop(&mut self) {
        // SAFETY: both handles were returned by SSPI and are released exactly once.
        unsafe {
            if let Some(context) = &self.context {
                DeleteSecurityContext(context);
            }
            FreeCredentialsHandle(&self.credentials);
        }
    }
}

fn failed(call: &str, status: i32, package: &str, host: &str) -> Error {
    Error::invalid(
        "Site.UserName",
        "SiteLogonFailed",
        format!("Windows could not authenticate the logged-on user to the SMS Provider with {package} ({call}: SSPI status 0x{status:08X}): check that this account (for a scheduled task, SYSTEM means the computer account) is a domain account with a ConfigMgr administrative role, that a domain controller is reachable and that the SPN HTTP/{host} exists; or pass -Credential (Site.UserName and the password)."),
    )
}
