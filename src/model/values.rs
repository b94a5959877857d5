//! The value rules every request shares: display names, GUIDs, descriptions. Each check returns
//! the normalised value or an error that names the field, the problem and the fix.

use crate::error::{Error, Result};

/// Longest name ConfigMgr's console accepts for apps, tenants and services.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest service description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 512;

/// A display name: trimmed, not blank, at most [`MAX_NAME_CHARS`], no control characters.
pub fn name(value: &str, field: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            field,
            "EmptyName",
            format!("{field} is empty or blank: give the name shown in Entra or ConfigMgr."),
        ));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            "NameTooLong",
            format!("{field} is {chars} characters long: use at most {MAX_NAME_CHARS}."),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "InvalidName",
            format!("{field} contains control characters (a tab or line break?): remove them."),
        ));
    }
    Ok(trimmed.to_string())
}

/// A GUID in any of .NET's usual forms, returned lower-case and hyphenated.
pub fn guid(value: &str, field: &str) -> Result<String> {
    let hint = match field {
        "ClientId" => "copy the Application (client) ID from the app's Overview page in Entra",
        "TenantId" => "copy the Directory (tenant) ID from the app's Overview page in Entra",
        _ => "give a GUID such as 05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b",
    };
    let parsed = uuid::Uuid::try_parse(value.trim()).map_err(|_| {
        Error::invalid(
            field,
            &format!("Invalid{field}"),
            format!("{field} '{}' is not a GUID: {hint}.", shorten(value)),
        )
    })?;
    if parsed.is_nil() {
        return Err(Error::invalid(
            field,
            &format!("Invalid{field}"),
            format!("{field} is the all-zero GUID: {hint}."),
        ));
    }
    Ok(parsed.hyphenated().to_string())
}

/// A value echoed in an error: scrubbed of anything credential-looking (a secret pasted into the
/// wrong field must not come back, [`crate::scrub::server_text`]), then cut to a readable length.
pub fn shorten(value: &str) -> String {
    let value = crate::scrub::server_text(value, &[]);
    let mut s: String = value.chars().take(64).collect();
    if value.chars().count() > 64 {
        s.push('…');
    }
    s
}

/// A service description: trimmed; blank means none.
pub fn description(value: &str) -> Result<Option<String>> {
    let d = value.trim();
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(
            "Description",
            "DescriptionTooLong",
            format!("Description is longer than {MAX_DESCRIPTION_CHARS} characters: shorten it."),
        ));
    }
    Ok((!d.is_empty()).then(|| d.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_forms_are_normalised() {
        assert_eq!(
            guid("{05A349FA-0D5C-4A1C-9F3E-1C2D3E4F5A6B}", "TenantId").unwrap(),
            "05a349fa-0d5c-4a1c-9f3e-1c2d3e4f5a6b"
        );
        assert_eq!(guid("abc", "ClientId").unwrap_err().code, "InvalidClientId");
        assert_eq!(
            guid("00000000-0000-0000-0000-000000000000", "TenantId")
                .unwrap_err()
                .code,
            "InvalidTenantId"
        );
    }

    #[test]
    fn names() {
        assert_eq!(name("  Contoso ", "TenantName").unwrap(), "Contoso");
        assert_eq!(name(" \t ", "AppName").unwrap_err().code, "EmptyName");
        assert_eq!(
            name(&"x".repeat(257), "AppName").unwrap_err().code,
            "NameTooLong"
        );
        assert!(name(&"é".repeat(256), "AppName").is_ok());
    }
}
