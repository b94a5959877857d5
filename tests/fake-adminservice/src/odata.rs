//! The OData v4 query options AdminService's `wmi` route documents: `$filter` with `eq`,
//! `startswith` and `contains` (joined by `and`/`or`, in parentheses), and `$select`.
//! String comparisons ignore case, as WMI's do.

use crate::classes::Class;
use serde_json::{Map, Value};

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `Prop eq literal`.
    Eq(&'static str, Value),
    /// `startswith(Prop,'x')`, optionally `eq true`.
    StartsWith(&'static str, String),
    /// `contains(Prop,'x')`, optionally `eq true`.
    Contains(&'static str, String),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
}

/// The query options of one request.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `$filter`.
    pub filter: Option<Filter>,
    /// `$select`: property names as the class spells them.
    pub select: Option<Vec<&'static str>>,
}

/// Parses the raw query string for `class`; the error is the provider's message.
pub fn parse(class: Class, raw: Option<&str>) -> Result<Query, String> {
    let mut query = Query::default();
    let Some(raw) = raw else { return Ok(query) };
    for (key, value) in url_pairs(raw) {
        match key.as_str() {
            "$filter" => query.filter = Some(parse_filter(class, &value)?),
            "$select" => {
                let names = value
                    .split(',')
                    .map(|n| {
                        let n = n.trim();
                        class.property(n).map(|p| p.name).ok_or_else(|| {
                            format!(
                                "Could not find a property named '{n}' on type '{}'.",
                                class.name()
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                query.select = Some(names);
            }
            _ => {}
        }
    }
    Ok(query)
}

fn url_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// True when `object` matches `filter`.
pub fn matches(filter: &Filter, object: &Map<String, Value>) -> bool {
    match filter {
        Filter::Eq(name, literal) => equal(object.get(*name).unwrap_or(&Value::Null), literal),
        Filter::StartsWith(name, prefix) => string_of(object, name)
            .is_some_and(|s| s.to_lowercase().starts_with(&prefix.to_lowercase())),
        Filter::Contains(name, part) => {
            string_of(object, name).is_some_and(|s| s.to_lowercase().contains(&part.to_lowercase()))
        }
        Filter::And(a, b) => matches(a, object) && matches(b, object),
        Filter::Or(a, b) => matches(a, object) || matches(b, object),
    }
}

fn string_of<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

fn equal(value: &Value, literal: &Value) -> bool {
    match (value, literal) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

fn parse_filter(class: Class, text: &str) -> Result<Filter, String> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        class,
        tokens,
        at: 0,
    };
    let filter = p.or()?;
    if p.at != p.tokens.len() {
        return Err(format!(
            "The query specified in the URI is not valid. Syntax error at position {} in '{text}'.",
            p.at
        ));
    }
    Ok(filter)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Num(u64),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let (s, next) = string_literal(&chars, i + 1)?;
                tokens.push(Token::Str(s));
                i = next;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                let n = digits
                    .parse()
                    .map_err(|_| format!("The number '{digits}' is out of range."))?;
                tokens.push(Token::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "The query specified in the URI is not valid. Unexpected character '{other}'."
                ))
            }
        }
    }
    Ok(tokens)
}

fn string_literal(chars: &[char], mut i: usize) -> Result<(String, usize), String> {
    let mut s = String::new();
    while i < chars.len() {
        if chars[i] == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                s.push('\'');
                i += 2;
                continue;
            }
            return Ok((s, i + 1));
        }
        s.push(chars[i]);
        i += 1;
    }
    Err("The query specified in the URI is not valid. Unterminated string literal.".into())
}

struct Parser {
    class: Class,
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        match self.next() {
            Some(t) if t == token => Ok(()),
            other => Err(format!(
                "The query specified in the URI is not valid. Expected {token:?}, found {other:?}."
            )),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while self.keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, String> {
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close)?;
            return Ok(inner);
        }
        let word = match self.next() {
            Some(Token::Word(w)) => w,
            other => {
                return Err(format!(
                    "The query specified in the URI is not valid. Expected a property or function, found {other:?}."
                ))
            }
        };
        let function = word.to_ascii_lowercase();
        if (function == "startswith" || function == "contains") && self.peek() == Some(&Token::Open)
        {
            return self.function(&function);
        }
        let property = self.property(&word)?;
        if !self.keyword("eq") {
            return Err(format!(
                "The query specified in the URI is not valid. Only 'eq' compares '{word}' here."
            ));
        }
        Ok(Filter::Eq(property, self.literal()?))
    }

    fn function(&mut self, function: &str) -> Result<Filter, String> {
        self.expect(Token::Open)?;
        let property = match self.next() {
            Some(Token::Word(w)) => self.property(&w)?,
            other => return Err(format!("Expected a property name, found {other:?}.")),
        };
        self.expect(Token::Comma)?;
        let text = match self.next() {
            Some(Token::Str(s)) => s,
            other => return Err(format!("Expected a string literal, found {other:?}.")),
        };
        self.expect(Token::Close)?;
        if self.keyword("eq") && !self.keyword("true") {
            return Err("Only 'eq true' may follow a string function here.".into());
        }
        Ok(if function == "startswith" {
            Filter::StartsWith(property, text)
        } else {
            Filter::Contains(property, text)
        })
    }

    fn property(&self, name: &str) -> Result<&'static str, String> {
        self.class.property(name).map(|p| p.name).ok_or_else(|| {
            format!(
                "Could not find a property named '{name}' on type '{}'.",
                self.class.name()
            )
        })
    }

    fn literal(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Num(n)) => Ok(Value::from(n)),
            Some(Token::Word(w)) if w == "true" => Ok(Value::Bool(true)),
            Some(Token::Word(w)) if w == "false" => Ok(Value::Bool(false)),
            Some(Token::Word(w)) if w == "null" => Ok(Value::Null),
            other => Err(format!(
                "The query specified in the URI is not valid. Expected a literal, found {other:?}."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_combine_and_ignore_case() {
        let q = parse(
            Class::Application,
            Some(
                "$filter=(startswith(name,'Cmg') eq true) and IsClientApp eq false&$select=ID,Name",
            ),
        )
        .unwrap();
        let f = q.filter.unwrap();
        assert!(matches(
            &f,
            &object(json!({"Name": "cmgServer", "IsClientApp": false}))
        ));
        assert!(!matches(
            &f,
            &object(json!({"Name": "CmgClient", "IsClientApp": true}))
        ));
        assert_eq!(q.select.unwrap(), vec!["ID", "Name"]);
        let c = parse(Class::Tenant, Some("$filter=contains(Name,'ONT')")).unwrap();
        assert!(matches(
            &c.filter.unwrap(),
            &object(json!({"Name": "Contoso"}))
        ));
        let q = parse(Class::Tenant, Some("$filter=Name%20eq%20'O''Brien'")).unwrap();
        assert!(matches(
            &q.filter.unwrap(),
            &object(json!({"Name": "o'brien"}))
        ));
    }

    #[test]
    fn unknown_properties_and_operators_are_refused() {
        assert!(parse(Class::Tenant, Some("$filter=Nope eq 1")).is_err());
        assert!(parse(Class::Tenant, Some("$filter=ID gt 1")).is_err());
        assert!(parse(Class::Tenant, Some("$select=ID,Secret")).is_err());
        assert!(parse(Class::Tenant, Some("$filter=Name eq 'x")).is_err());
    }
}
