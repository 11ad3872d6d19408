//! `:param NAME = VALUE`: a notebook parameter, as papermill injects it.
//!
//! papermill runs a notebook with new values for the names its `parameters`
//! cell sets, by adding a cell after that one. For memscope its translator
//! (the `memscope-papermill` Python package) writes one `:param` line per
//! parameter, with the value as JSON (plus `NaN`, `Infinity` and
//! `-Infinity`, which Python's `json` writes for floats JSON cannot
//! hold). This module turns those lines into `let` statements, typed as
//! the session already has the name (so `let n: u64 = 10;` in the
//! parameters cell stays a `u64`), or, for a name the session does not
//! have yet, as the value suggests (`String`, `i64`, `f64`, `bool`,
//! `Vec<_>`, `BTreeMap<String, _>`).
//!
//! Strings become raw string literals whatever they contain (quotes,
//! backslashes, `"#`), with as many `#` as it takes.
//!
//! Invariant: pure: the same lines and session types give the same code,
//! and a value that cannot have the type gives an error naming both, never
//! code that means something else.

/// One parsed value: JSON's kinds, with numbers kept as written so that
/// integers of any size reach rustc unchanged.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(String),
    Float(String),
    /// `NaN`, `Infinity` or `-Infinity`.
    NonFinite(&'static str),
    Str(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a bool",
            Value::Int(_) => "an integer",
            Value::Float(_) | Value::NonFinite(_) => "a float",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a dict",
        }
    }
}

/// Whether the cell has a `:param` line, for [`rewrite`].
pub fn has_parameters(cell: &str) -> bool {
    cell.lines().any(is_param_line)
}

/// Rewrites a cell made of `:param` lines (with blank and `//` comment
/// lines between them) into `let` statements. `session_type` gives the
/// type the session has for a name, if any.
pub fn rewrite(
    cell: &str,
    session_type: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut code = String::new();
    for line in cell.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
            continue;
        }
        if !is_param_line(line) {
            return Err(format!(
                "a cell with :param lines holds only :param lines and comments, not {trimmed:?}"
            ));
        }
        code.push_str(&statement(trimmed, session_type)?);
        code.push('\n');
    }
    Ok(code)
}

fn is_param_line(line: &str) -> bool {
    line.trim_start()
        .strip_prefix(":param")
        .is_some_and(|rest| rest.starts_with(char::is_whitespace))
}

/// `:param NAME = VALUE` as a `let` statement.
fn statement(line: &str, session_type: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let rest = line[":param".len()..].trim_start();
    let (name, value) = rest
        .split_once('=')
        .ok_or_else(|| format!(":param needs `NAME = VALUE`, not {line:?}"))?;
    let name = name.trim();
    if !is_identifier(name) {
        return Err(format!(":param: {name:?} is not a Rust variable name"));
    }
    let value = parse_value(value.trim())
        .map_err(|why| format!(":param {name}: the value is not JSON: {why}"))?;
    let type_text = match session_type(name) {
        Some(known) => known,
        None => default_type(&value).map_err(|why| format!(":param {name}: {why}"))?,
    };
    let ty = parse_type(&type_text);
    let expression = expression(&value, &ty)
        .map_err(|why| format!(":param {name}: {why} (the session has {name}: {type_text})"))?;
    Ok(format!("let {name}: {type_text} = {expression};"))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

// ---------------------------------------------------------------- types

/// A Rust type, as far as filling it from a value needs.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// `&str`, `&'static str`, `&[T]`: a borrow of `T`.
    Ref(Box<Ty>),
    /// `[T; N]` or `[T]`.
    Array(Box<Ty>),
    /// A path: its last segment and generic arguments (`Vec`, `[f64]`).
    Path { last: String, args: Vec<Ty> },
    /// Anything else (tuples, function types): filled by nothing.
    Other(String),
}

fn parse_type(text: &str) -> Ty {
    let mut parser = TypeParser {
        chars: text.chars().collect(),
        at: 0,
    };
    match parser.ty() {
        Some(ty) if parser.rest_is_blank() => ty,
        _ => Ty::Other(text.to_owned()),
    }
}

struct TypeParser {
    chars: Vec<char>,
    at: usize,
}

impl TypeParser {
    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    fn rest_is_blank(&mut self) -> bool {
        self.peek().is_none()
    }

    fn word(&mut self) -> String {
        self.peek();
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn ty(&mut self) -> Option<Ty> {
        if self.eat('&') {
            if self.eat('\'') {
                self.word();
            }
            let rest = self.word();
            if rest != "mut" && !rest.is_empty() {
                // `&str`: the word was the start of the borrowed type.
                self.at -= rest.chars().count();
            }
            return Some(Ty::Ref(Box::new(self.ty()?)));
        }
        if self.eat('[') {
            let element = self.ty()?;
            if self.eat(';') {
                while self.peek().is_some_and(|c| c != ']') {
                    self.at += 1;
                }
            }
            return self.eat(']').then(|| Ty::Array(Box::new(element)));
        }
        let mut last = self.word();
        if last.is_empty() {
            return None;
        }
        while self.eat(':') {
            if !self.eat(':') {
                return None;
            }
            last = self.word();
        }
        let mut args = Vec::new();
        if self.eat('<') {
            loop {
                args.push(self.ty()?);
                if self.eat('>') {
                    break;
                }
                if !self.eat(',') {
                    return None;
                }
            }
        }
        Some(Ty::Path { last, args })
    }
}

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// The type a value gets when the session has no variable of its name.
fn default_type(value: &Value) -> Result<String, String> {
    Ok(match value {
        Value::Null => {
            return Err("null needs a type: set the name in the parameters cell first".into())
        }
        Value::Bool(_) => "bool".into(),
        Value::Int(text) => {
            if text.parse::<i64>().is_ok() {
                "i64".into()
            } else if text.parse::<i128>().is_ok() {
                "i128".into()
            } else {
                "u128".into()
            }
        }
        Value::Float(_) | Value::NonFinite(_) => "f64".into(),
        Value::Str(_) => "String".into(),
        Value::List(items) => format!("Vec<{}>", common_type(items.iter())?),
        Value::Map(entries) => format!(
            "std::collections::BTreeMap<String, {}>",
            common_type(entries.iter().map(|(_, v)| v))?
        ),
    })
}

/// The one type all `items` can have (integers among floats are floats).
fn common_type<'a>(items: impl Iterator<Item = &'a Value>) -> Result<String, String> {
    let types: Vec<String> = items.map(default_type).collect::<Result<_, _>>()?;
    let Some(first) = types.first() else {
        return Err(
            "an empty list or dict needs a type: set the name in the parameters cell first".into(),
        );
    };
    if types.iter().all(|t| t == first) {
        return Ok(first.clone());
    }
    let numeric = |t: &String| t == "f64" || INTEGERS.contains(&t.as_str());
    if types.iter().all(numeric) {
        return Ok("f64".into());
    }
    Err(format!(
        "the items have different types ({}): set the name in the parameters cell first",
        types.join(", ")
    ))
}

// ---------------------------------------------------------------- code

/// Rust code for `value` as a `ty`.
fn expression(value: &Value, ty: &Ty) -> Result<String, String> {
    let mismatch = || format!("{} cannot be a {}", value.kind(), type_name(ty));
    if let Ty::Path { last, args } = ty {
        match (last.as_str(), args.as_slice(), value) {
            ("Option", [_], Value::Null) => return Ok("None".into()),
            ("Option", [inner], _) => return Ok(format!("Some({})", expression(value, inner)?)),
            ("bool", [], Value::Bool(b)) => return Ok(b.to_string()),
            (int, [], Value::Int(text)) if INTEGERS.contains(&int) => return Ok(text.clone()),
            (float @ ("f32" | "f64"), [], _) => {
                return match value {
                    Value::Int(text) => Ok(format!("{text}.0")),
                    Value::Float(text) => Ok(float_literal(text)),
                    Value::NonFinite(which) => Ok(format!("{float}::{which}")),
                    _ => Err(mismatch()),
                }
            }
            ("char", [], Value::Str(text)) => {
                let mut chars = text.chars();
                return match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(format!("{c:?}")),
                    _ => Err(format!("{text:?} is not one character")),
                };
            }
            ("Vec", [element], Value::List(items)) => {
                return Ok(format!("vec![{}]", list(items, element)?))
            }
            (_, [element], Value::List(items)) => {
                return Ok(format!(
                    "::core::iter::FromIterator::from_iter([{}])",
                    list(items, element)?
                ))
            }
            (_, [key, element], Value::Map(entries)) => {
                let mut pairs = Vec::new();
                for (k, v) in entries {
                    let key = expression(&Value::Str(k.clone()), key)?;
                    pairs.push(format!("({key}, {})", expression(v, element)?));
                }
                return Ok(format!(
                    "::core::iter::FromIterator::from_iter([{}])",
                    pairs.join(", ")
                ));
            }
            // String, PathBuf, Box<str>, Rc<str>...: whatever a &str
            // converts into.
            (_, _, Value::Str(text)) if !is_primitive(last) => {
                return Ok(format!(
                    "::core::convert::From::from({})",
                    string_literal(text)
                ))
            }
            _ => return Err(mismatch()),
        }
    }
    match (ty, value) {
        (Ty::Ref(inner), Value::Str(text)) if is_path(inner, "str") => Ok(string_literal(text)),
        (Ty::Ref(inner), Value::List(items)) => match inner.as_ref() {
            Ty::Array(element) => Ok(format!("&[{}]", list(items, element)?)),
            _ => Err(mismatch()),
        },
        (Ty::Array(element), Value::List(items)) => Ok(format!("[{}]", list(items, element)?)),
        _ => Err(mismatch()),
    }
}

fn list(items: &[Value], element: &Ty) -> Result<String, String> {
    let items: Vec<String> = items
        .iter()
        .map(|item| expression(item, element))
        .collect::<Result<_, _>>()?;
    Ok(items.join(", "))
}

fn is_path(ty: &Ty, name: &str) -> bool {
    matches!(ty, Ty::Path { last, args } if last == name && args.is_empty())
}

fn is_primitive(name: &str) -> bool {
    INTEGERS.contains(&name) || matches!(name, "f32" | "f64" | "bool" | "char" | "str")
}

fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::Ref(inner) => format!("&{}", type_name(inner)),
        Ty::Array(inner) => format!("[{}]", type_name(inner)),
        Ty::Path { last, args } if args.is_empty() => last.clone(),
        Ty::Path { last, args } => format!(
            "{last}<{}>",
            args.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        Ty::Other(text) => text.clone(),
    }
}

/// A float as Python wrote it, as a Rust float literal: `1e-05` and
/// `0.5` are both; an exponent without a point is too.
fn float_literal(text: &str) -> String {
    if text.contains(['.', 'e', 'E']) {
        text.to_owned()
    } else {
        format!("{text}.0")
    }
}

/// A string literal for `text`: raw (`r#"..."#`, with one `#` more than
/// any run of them after a quote in the text), unless the text holds a
/// carriage return, which raw strings cannot.
fn string_literal(text: &str) -> String {
    if text.contains('\r') {
        return format!("{text:?}");
    }
    let mut longest = 0;
    for (i, _) in text.match_indices('"') {
        let run = text[i + 1..].chars().take_while(|&c| c == '#').count();
        longest = longest.max(run);
    }
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}\"{text}\"{hashes}")
}

// ---------------------------------------------------------------- values

fn parse_value(text: &str) -> Result<Value, String> {
    let mut parser = ValueParser {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = parser.value()?;
    parser.blank();
    if parser.at < parser.chars.len() {
        return Err(format!("unexpected text after the value at {}", parser.at));
    }
    Ok(value)
}

struct ValueParser {
    chars: Vec<char>,
    at: usize,
}

impl ValueParser {
    fn blank(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = self.chars[self.at..]
            .iter()
            .take(word.len())
            .copied()
            .eq(word.chars());
        if found {
            self.at += word.chars().count();
        }
        found
    }

    fn value(&mut self) -> Result<Value, String> {
        self.blank();
        let Some(&c) = self.chars.get(self.at) else {
            return Err("the value is missing".into());
        };
        match c {
            'n' if self.keyword("null") => Ok(Value::Null),
            't' if self.keyword("true") => Ok(Value::Bool(true)),
            'f' if self.keyword("false") => Ok(Value::Bool(false)),
            'N' if self.keyword("NaN") => Ok(Value::NonFinite("NAN")),
            'I' if self.keyword("Infinity") => Ok(Value::NonFinite("INFINITY")),
            '-' if self.keyword("-Infinity") => Ok(Value::NonFinite("NEG_INFINITY")),
            '"' => self.string().map(Value::Str),
            '[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.blank();
                if self.chars.get(self.at) == Some(&']') {
                    self.at += 1;
                    return Ok(Value::List(items));
                }
                loop {
                    items.push(self.value()?);
                    self.blank();
                    match self.chars.get(self.at) {
                        Some(',') => self.at += 1,
                        Some(']') => {
                            self.at += 1;
                            return Ok(Value::List(items));
                        }
                        _ => return Err(format!("expected , or ] at {}", self.at)),
                    }
                }
            }
            '{' => {
                self.at += 1;
                let mut entries = Vec::new();
                self.blank();
                if self.chars.get(self.at) == Some(&'}') {
                    self.at += 1;
                    return Ok(Value::Map(entries));
                }
                loop {
                    self.blank();
                    if self.chars.get(self.at) != Some(&'"') {
                        return Err(format!("expected a string key at {}", self.at));
                    }
                    let key = self.string()?;
                    self.blank();
                    if self.chars.get(self.at) != Some(&':') {
                        return Err(format!("expected : at {}", self.at));
                    }
                    self.at += 1;
                    entries.push((key, self.value()?));
                    self.blank();
                    match self.chars.get(self.at) {
                        Some(',') => self.at += 1,
                        Some('}') => {
                            self.at += 1;
                            return Ok(Value::Map(entries));
                        }
                        _ => return Err(format!("expected , or }} at {}", self.at)),
                    }
                }
            }
            '-' | '0'..='9' => Ok(self.number()),
            other => Err(format!("unexpected {other:?} at {}", self.at)),
        }
    }

    fn number(&mut self) -> Value {
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        if text.contains(['.', 'e', 'E']) {
            Value::Float(text)
        } else {
            Value::Int(text)
        }
    }

    /// A JSON string, at its opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.chars.get(self.at) else {
                return Err("a string does not end".into());
            };
            self.at += 1;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(&escape) = self.chars.get(self.at) else {
                        return Err("a string does not end".into());
                    };
                    self.at += 1;
                    match escape {
                        '"' | '\\' | '/' => out.push(escape),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => out.push(self.unicode_escape()?),
                        other => return Err(format!("unknown escape \\{other}")),
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// The four hex digits after `\u`, and a low surrogate's after them.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) {
            if !self.keyword("\\u") {
                return Err("a lone surrogate in a string".into());
            }
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err("a lone surrogate in a string".into());
            }
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(code).ok_or_else(|| "a bad \\u escape".into());
        }
        char::from_u32(high).ok_or_else(|| "a lone surrogate in a string".into())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits: String = self
            .chars
            .get(self.at..self.at + 4)
            .unwrap_or(&[])
            .iter()
            .collect();
        self.at += 4;
        u32::from_str_radix(&digits, 16).map_err(|_| format!("a bad \\u escape {digits:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types<'a>(known: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            known
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned())
        }
    }

    fn one(line: &str, known: &[(&str, &str)]) -> Result<String, String> {
        statement(line, &types(known))
    }

    #[test]
    fn the_session_type_wins() {
        assert_eq!(
            one(":param n = 5", &[("n", "u64")]).unwrap(),
            "let n: u64 = 5;"
        );
        assert_eq!(one(":param n = 5", &[]).unwrap(), "let n: i64 = 5;");
        assert_eq!(
            one(":param x = 5", &[("x", "f32")]).unwrap(),
            "let x: f32 = 5.0;"
        );
        assert_eq!(
            one(":param n = 10000000000", &[]).unwrap(),
            "let n: i64 = 10000000000;"
        );
        assert_eq!(
            one(":param n = 100000000000000000000", &[]).unwrap(),
            "let n: i128 = 100000000000000000000;"
        );
        assert_eq!(
            one(":param on = true", &[]).unwrap(),
            "let on: bool = true;"
        );
    }

    #[test]
    fn floats_keep_their_digits_and_non_finite_ones_have_names() {
        assert_eq!(one(":param x = 1e-05", &[]).unwrap(), "let x: f64 = 1e-05;");
        assert_eq!(
            one(":param x = 0.5", &[("x", "f32")]).unwrap(),
            "let x: f32 = 0.5;"
        );
        assert_eq!(
            one(":param x = NaN", &[]).unwrap(),
            "let x: f64 = f64::NAN;"
        );
        assert_eq!(
            one(":param x = -Infinity", &[("x", "f32")]).unwrap(),
            "let x: f32 = f32::NEG_INFINITY;"
        );
        assert_eq!(
            one(":param x = Infinity", &[]).unwrap(),
            "let x: f64 = f64::INFINITY;"
        );
        assert!(one(":param n = 2.5", &[("n", "i32")])
            .unwrap_err()
            .contains("a float cannot be a i32"));
    }

    #[test]
    fn strings_are_raw_whatever_they_hold() {
        assert_eq!(
            one(r#":param s = "plain""#, &[]).unwrap(),
            r##"let s: String = ::core::convert::From::from(r#"plain"#);"##
        );
        assert_eq!(
            one(
                r####":param s = "a \"quote\" \\ and \"# and \"##""####,
                &[("s", "&'static str")]
            )
            .unwrap(),
            r####"let s: &'static str = r###"a "quote" \ and "# and "##"###;"####
        );
        assert_eq!(
            one(r#":param s = "line\nnext\ttab""#, &[("s", "&str")]).unwrap(),
            "let s: &str = r#\"line\nnext\ttab\"#;"
        );
        assert_eq!(
            one(r#":param s = "cr\r""#, &[("s", "&str")]).unwrap(),
            r#"let s: &str = "cr\r";"#
        );
        assert_eq!(
            one(r#":param s = "\u00e9\ud83d\ude00""#, &[("s", "&str")]).unwrap(),
            "let s: &str = r#\"é😀\"#;"
        );
        assert_eq!(
            one(r#":param c = "x""#, &[("c", "char")]).unwrap(),
            "let c: char = 'x';"
        );
    }

    #[test]
    fn options_lists_and_dicts_follow_their_element_types() {
        assert_eq!(
            one(":param o = null", &[("o", "Option<i64>")]).unwrap(),
            "let o: Option<i64> = None;"
        );
        assert_eq!(
            one(":param o = 3", &[("o", "Option<i64>")]).unwrap(),
            "let o: Option<i64> = Some(3);"
        );
        assert_eq!(
            one(":param v = [1, 2.5]", &[]).unwrap(),
            "let v: Vec<f64> = vec![1.0, 2.5];"
        );
        assert_eq!(
            one(r#":param v = ["a", "b"]"#, &[("v", "Vec<&str>")]).unwrap(),
            r##"let v: Vec<&str> = vec![r#"a"#, r#"b"#];"##
        );
        assert_eq!(
            one(":param a = [1, 2]", &[("a", "[u8; 2]")]).unwrap(),
            "let a: [u8; 2] = [1, 2];"
        );
        assert_eq!(
            one(r#":param m = {"a": 1, "b": 2}"#, &[]).unwrap(),
            "let m: std::collections::BTreeMap<String, i64> = ::core::iter::FromIterator::from_iter([(::core::convert::From::from(r#\"a\"#), 1), (::core::convert::From::from(r#\"b\"#), 2)]);"
        );
        assert_eq!(
            one(r#":param m = {"k": [true]}"#, &[("m", "HashMap<String, Vec<bool>>")]).unwrap(),
            "let m: HashMap<String, Vec<bool>> = ::core::iter::FromIterator::from_iter([(::core::convert::From::from(r#\"k\"#), vec![true])]);"
        );
    }

    #[test]
    fn what_cannot_be_typed_is_an_error_naming_it() {
        assert!(one(":param o = null", &[])
            .unwrap_err()
            .contains("null needs a type"));
        assert!(one(":param v = []", &[])
            .unwrap_err()
            .contains("empty list"));
        assert!(one(r#":param v = [1, "a"]"#, &[])
            .unwrap_err()
            .contains("different types"));
        assert!(one(":param t = 1", &[("t", "(i32, i32)")])
            .unwrap_err()
            .contains("(i32, i32)"));
        assert!(one(":param 1x = 1", &[])
            .unwrap_err()
            .contains("not a Rust variable name"));
        assert!(one(":param x = [1,", &[]).unwrap_err().contains("not JSON"));
        assert!(one(":param x", &[]).unwrap_err().contains("NAME = VALUE"));
        assert!(one(r#":param s = "ab""#, &[("s", "char")])
            .unwrap_err()
            .contains("not one character"));
    }

    #[test]
    fn a_cell_of_params_becomes_lets_and_other_cells_are_left_alone() {
        let cell = "// Parameters\n:param n = 3\n\n:param s = \"x\"\n";
        assert!(has_parameters(cell));
        let code = rewrite(cell, &types(&[("n", "usize")])).unwrap();
        assert_eq!(
            code,
            "// Parameters\nlet n: usize = 3;\n\nlet s: String = ::core::convert::From::from(r#\"x\"#);\n"
        );
        assert!(!has_parameters("let n = 3;"));
        assert!(!has_parameters(":parameter = 3"));
        assert!(rewrite(":param n = 3\nlet m = n;", &types(&[]))
            .unwrap_err()
            .contains("only :param lines"));
    }

    #[test]
    fn types_are_read_as_evcxr_writes_them() {
        assert_eq!(
            parse_type("&'static str"),
            Ty::Ref(Box::new(Ty::Path {
                last: "str".into(),
                args: vec![]
            }))
        );
        assert_eq!(
            parse_type("std::collections::HashMap<String, Vec<f64>>"),
            Ty::Path {
                last: "HashMap".into(),
                args: vec![
                    Ty::Path {
                        last: "String".into(),
                        args: vec![]
                    },
                    Ty::Path {
                        last: "Vec".into(),
                        args: vec![Ty::Path {
                            last: "f64".into(),
                            args: vec![]
                        }]
                    },
                ],
            }
        );
        assert_eq!(parse_type("(i32, i32)"), Ty::Other("(i32, i32)".into()));
        assert_eq!(
            parse_type("&mut [u8]"),
            Ty::Ref(Box::new(Ty::Array(Box::new(Ty::Path {
                last: "u8".into(),
                args: vec![]
            }))))
        );
    }
}
