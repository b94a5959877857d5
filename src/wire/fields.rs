//! Request documents as callers send them (JSON objects whose property names are the cmdlet
//! parameter names), read field by field so every error names the field, the problem and the fix.

use crate::cloud::AzureEnvironment;
use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Deepest JSON nesting any request needs; deeper documents are refused before parsing.
const MAX_DEPTH: usize = 16;
/// Largest request document accepted.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// A request object whose fields are taken one by one; unknown fields are an error.
pub struct Fields {
    what: &'static str,
    map: Map<String, Value>,
}

impl Fields {
    /// Parses `json` as an object; `what` names the document in errors ("request", "options").
    pub fn parse(json: &str, what: &'static str) -> Result<Fields> {
        if json.len() > MAX_REQUEST_BYTES {
            return Err(Error::invalid(what, "RequestTooLarge", format!("The {what} is {} bytes, more than the {MAX_REQUEST_BYTES} a {what} may have: send only the documented fields.", json.len())));
        }
        check_depth(json, what)?;
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Error::invalid(what, "MalformedJson", format!("The {what} is not valid JSON ({e}): send one JSON object such as {{\"AppName\": \"CmgServerApp\"}}."))
        })?;
        match value {
            Value::Object(map) => Ok(Fields { what, map }),
            other => Err(Error::invalid(what, "NotAnObject", format!("The {what} is a JSON {}, not an object: send one JSON object with the documented fields.", kind(&other)))),
        }
    }

    /// An empty request (a NULL or empty filter means "no filter").
    pub fn empty(what: &'static str) -> Fields {
        Fields {
            what,
            map: Map::new(),
        }
    }

    /// Parses a document that may be NULL or blank (then it has no fields).
    pub fn parse_optional(json: Option<&str>, what: &'static str) -> Result<Fields> {
        match json {
            Some(s) if !s.trim().is_empty() => Fields::parse(s, what),
            _ => Ok(Fields::empty(what)),
        }
    }

    /// A nested object's fields (`what` names it in errors).
    pub fn nested(map: Map<String, Value>, what: &'static str) -> Fields {
        Fields { what, map }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        match self.map.remove(name) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    /// A mandatory string field.
    pub fn required_str(&mut self, name: &str) -> Result<String> {
        self.optional_str(name)?.ok_or_else(|| {
            Error::invalid(
                name,
                "MissingField",
                format!("{name} is missing from the {}: it is mandatory.", self.what),
            )
        })
    }

    /// An optional string field.
    pub fn optional_str(&mut self, name: &str) -> Result<Option<String>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(name, "a string", &other)),
        }
    }

    /// An optional boolean field.
    pub fn optional_bool(&mut self, name: &str) -> Result<Option<bool>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(wrong_type(name, "true or false", &other)),
        }
    }

    /// An optional integer field.
    pub fn optional_i64(&mut self, name: &str) -> Result<Option<i64>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(name, "a whole number", &Value::Number(n.clone()))),
            Some(other) => Err(wrong_type(name, "a whole number", &other)),
        }
    }

    /// An optional integer field that must lie in `range`; `unit` names it in the message
    /// ("days", "seconds").
    pub fn optional_i64_in(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
        unit: &str,
    ) -> Result<Option<i64>> {
        match self.optional_i64(name)? {
            Some(v) if !range.contains(&v) => Err(Error::invalid(
                name,
                "OutOfRange",
                format!(
                    "{name} {v} is out of range: give {} to {} {unit}.",
                    range.start(),
                    range.end()
                ),
            )),
            v => Ok(v),
        }
    }

    /// A mandatory integer field.
    pub fn required_i64(&mut self, name: &str) -> Result<i64> {
        self.optional_i64(name)?.ok_or_else(|| {
            Error::invalid(
                name,
                "MissingField",
                format!("{name} is missing from the {}: it is mandatory.", self.what),
            )
        })
    }

    /// An optional array of strings; a single string counts as a one-element array.
    pub fn optional_str_array(&mut self, name: &str) -> Result<Option<Vec<String>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s])),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(wrong_type(name, "an array of strings", &other)),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(other) => Err(wrong_type(name, "an array of strings", &other)),
        }
    }

    /// An optional object field, as its own [`Fields`].
    pub fn optional_object(&mut self, name: &str) -> Result<Option<Map<String, Value>>> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(wrong_type(name, "an object", &other)),
        }
    }

    /// The fields not taken yet, as a JSON object's text.
    pub fn rest(self) -> String {
        Value::Object(self.map).to_string()
    }

    /// Fails on any field left over: it is unknown (a typo, or a field of another request).
    pub fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(Error::invalid(
                key,
                "UnknownField",
                format!("{key} is not a field of the {}: check its spelling against the cmdlet's parameter names.", self.what),
            )),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn wrong_type(name: &str, expected: &str, got: &Value) -> Error {
    Error::invalid(
        name,
        "WrongType",
        format!("{name} is a JSON {}, but it must be {expected}.", kind(got)),
    )
}

/// Refuses documents nested deeper than any request needs, before the parser recurses.
fn check_depth(json: &str, what: &str) -> Result<()> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in json.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::invalid(what, "TooDeeplyNested", format!("The {what} nests objects or arrays more than {MAX_DEPTH} deep: send the documented flat fields.")));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// An optional `AzureEnvironment`-typed field.
pub fn environment(f: &mut Fields, field: &str) -> Result<Option<AzureEnvironment>> {
    f.optional_str(field)?
        .map(|v| AzureEnvironment::parse(&v, field))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            Fields::parse(&deep, "request").err().unwrap().code,
            "TooDeeplyNested"
        );
        assert!(Fields::parse(r#"{"a":"[[[[[[[[[[[[[[[[[[[[[["}"#, "request").is_ok());
    }
}
