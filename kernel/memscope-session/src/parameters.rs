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
//! `Vec<_>`, `BTreeMap<String, _>`). Values are read by `serde_json`
//! (numbers keep the digits they were written with) and types by
//! rust-analyzer's parser.
//!
//! Strings become raw string literals whatever they contain (quotes,
//! backslashes, `"#`), with as many `#` as it takes.
//!
//! Invariant: pure: the same lines and session types give the same code,
//! and a value that is not JSON, or cannot have the type, gives an error
//! naming it, never code that means something else.

use ra_ap_syntax::ast::{self, AstNode, HasGenericArgs};
use ra_ap_syntax::{Edition, SourceFile};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::commands::SplitCell;

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

/// The cell for evcxr, with each `:param` line of `split` turned into a
/// `let` statement on the same line. `session_type` gives the type the
/// session has for a name, if any.
pub fn with_lets(
    split: &SplitCell<'_>,
    session_type: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut code = split.rest.clone();
    // From the last line up, so that earlier ranges stay where they are.
    for parameter in split.parameters.iter().rev() {
        let statement = statement(parameter.args, session_type)?;
        code.replace_range(parameter.line.clone(), &statement);
    }
    Ok(code)
}

/// `NAME = VALUE` (what follows `:param`) as a `let` statement.
fn statement(args: &str, session_type: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let (name, value) = args
        .split_once('=')
        .ok_or_else(|| format!(":param needs `NAME = VALUE`, not {:?}", args.trim()))?;
    let name = name.trim();
    if !is_identifier(name) {
        return Err(format!(":param: {name:?} is not a Rust variable name"));
    }
    let value = value.trim();
    let value = parse_value(value)
        .map_err(|why| format!(":param {name}: the value {value:?} is not JSON: {why}"))?;
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

/// The type `text` names, read by rust-analyzer's parser.
fn parse_type(text: &str) -> Ty {
    let source = format!("type T = {text};");
    let parse = SourceFile::parse(&source, Edition::CURRENT);
    let alias = parse
        .tree()
        .syntax()
        .descendants()
        .find_map(ast::TypeAlias::cast);
    match alias.and_then(|alias| alias.ty()) {
        Some(ty) if parse.errors().is_empty() => from_syntax(&ty),
        _ => Ty::Other(text.to_owned()),
    }
}

fn from_syntax(ty: &ast::Type) -> Ty {
    let inner = |ty: Option<ast::Type>| match ty {
        Some(ty) => from_syntax(&ty),
        None => Ty::Other(String::new()),
    };
    let other = || Ty::Other(ty.syntax().text().to_string());
    match ty {
        ast::Type::RefType(reference) => Ty::Ref(Box::new(inner(reference.ty()))),
        ast::Type::ArrayType(array) => Ty::Array(Box::new(inner(array.ty()))),
        ast::Type::SliceType(slice) => Ty::Array(Box::new(inner(slice.ty()))),
        ast::Type::ParenType(paren) => inner(paren.ty()),
        ast::Type::PathType(path) => {
            let Some(segment) = path.path().and_then(|p| p.segment()) else {
                return other();
            };
            let Some(last) = segment.name_ref() else {
                return other();
            };
            // Lifetimes and constants among the arguments fill nothing.
            let args = segment
                .generic_arg_list()
                .into_iter()
                .flat_map(|list| list.generic_args())
                .filter_map(|arg| match arg {
                    ast::GenericArg::TypeArg(arg) => Some(inner(arg.ty())),
                    _ => None,
                })
                .collect();
            Ty::Path {
                last: last.text().to_string(),
                args,
            }
        }
        _ => other(),
    }
}

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// The type a value gets when the session has no variable of its name.
fn default_type(value: &Value) -> Result<String, String> {
    Ok(match value {
        Value::Null => {
            return Err("null needs a type: set the name in the parameters cell first".into());
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
                };
            }
            ("char", [], Value::Str(text)) => {
                let mut chars = text.chars();
                return match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(format!("{c:?}")),
                    _ => Err(format!("{text:?} is not one character")),
                };
            }
            ("Vec", [element], Value::List(items)) => {
                return Ok(format!("vec![{}]", list(items, element)?));
            }
            (_, [element], Value::List(items)) => {
                return Ok(format!(
                    "::core::iter::FromIterator::from_iter([{}])",
                    list(items, element)?
                ));
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
                ));
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

/// Python's `json` writes these for floats JSON cannot hold; each is read
/// as a number of the same length (so offsets stay put) and remembered by
/// where it starts.
const NON_FINITE: [(&str, &str, &str); 3] = [
    ("-Infinity", "-0.000000", "NEG_INFINITY"),
    ("Infinity", "0.000000", "INFINITY"),
    ("NaN", "0.0", "NAN"),
];

fn parse_value(text: &str) -> Result<Value, String> {
    let (json, non_finite) = with_stand_ins(text);
    let raw: &RawValue = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let reader = Reader {
        start: json.as_ptr() as usize,
        non_finite: &non_finite,
    };
    reader.value(raw)
}

/// `text` with every non-finite word outside a string replaced by its
/// stand-in, and the offsets of the stand-ins.
fn with_stand_ins(text: &str) -> (String, Vec<(usize, &'static str)>) {
    let mut json = text.to_owned();
    let mut found = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut at = 0;
    while at < text.len() {
        let byte = text.as_bytes()[at];
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if let Some((word, stand_in, name)) = NON_FINITE
            .iter()
            .find(|(word, ..)| text[at..].starts_with(word))
        {
            json.replace_range(at..at + word.len(), stand_in);
            found.push((at, *name));
            at += word.len();
            continue;
        }
        at += 1;
    }
    (json, found)
}

/// Turns serde_json's raw values into [`Value`]s, numbers as written.
struct Reader<'a> {
    /// Where the text the raw values borrow from starts in memory.
    start: usize,
    non_finite: &'a [(usize, &'static str)],
}

impl Reader<'_> {
    fn value(&self, raw: &RawValue) -> Result<Value, String> {
        let text = raw.get();
        let json_error = |e: serde_json::Error| e.to_string();
        Ok(match text.as_bytes().first() {
            Some(b'n') => Value::Null,
            Some(b't') => Value::Bool(true),
            Some(b'f') => Value::Bool(false),
            Some(b'"') => Value::Str(serde_json::from_str(text).map_err(json_error)?),
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(json_error)?;
                Value::List(
                    items
                        .into_iter()
                        .map(|i| self.value(i))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'{') => {
                let Entries(entries) = serde_json::from_str(text).map_err(json_error)?;
                let entries = entries
                    .into_iter()
                    .map(|(key, raw)| Ok((key, self.value(raw)?)))
                    .collect::<Result<_, String>>()?;
                Value::Map(entries)
            }
            _ => {
                let at = text.as_ptr() as usize - self.start;
                match self.non_finite.iter().find(|(start, _)| *start == at) {
                    Some((_, name)) => Value::NonFinite(name),
                    None if text.contains(['.', 'e', 'E']) => Value::Float(text.to_owned()),
                    None => Value::Int(text.to_owned()),
                }
            }
        })
    }
}

/// A JSON object's entries in the order written (a map would sort them).
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
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
        let args = line.strip_prefix(":param").expect("a :param line");
        statement(args, &types(known))
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
        assert!(
            one(":param n = 2.5", &[("n", "i32")])
                .unwrap_err()
                .contains("a float cannot be a i32")
        );
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
            one(
                r#":param m = {"k": [true]}"#,
                &[("m", "HashMap<String, Vec<bool>>")]
            )
            .unwrap(),
            "let m: HashMap<String, Vec<bool>> = ::core::iter::FromIterator::from_iter([(::core::convert::From::from(r#\"k\"#), vec![true])]);"
        );
    }

    #[test]
    fn what_cannot_be_typed_is_an_error_naming_it() {
        assert!(
            one(":param o = null", &[])
                .unwrap_err()
                .contains("null needs a type")
        );
        assert!(
            one(":param v = []", &[])
                .unwrap_err()
                .contains("empty list")
        );
        assert!(
            one(r#":param v = [1, "a"]"#, &[])
                .unwrap_err()
                .contains("different types")
        );
        assert!(
            one(":param t = 1", &[("t", "(i32, i32)")])
                .unwrap_err()
                .contains("(i32, i32)")
        );
        assert!(
            one(":param 1x = 1", &[])
                .unwrap_err()
                .contains("not a Rust variable name")
        );
        assert!(one(":param x = [1,", &[]).unwrap_err().contains("not JSON"));
        assert!(one(":param x", &[]).unwrap_err().contains("NAME = VALUE"));
        assert!(
            one(r#":param s = "ab""#, &[("s", "char")])
                .unwrap_err()
                .contains("not one character")
        );
    }

    #[test]
    fn a_cell_of_params_becomes_lets_on_the_same_lines() {
        let cell = "// Parameters\n:param n = 3\n\n:param s = \"x\"\n";
        let split = crate::commands::split(cell).unwrap();
        let code = with_lets(&split, &types(&[("n", "usize")])).unwrap();
        assert_eq!(
            code,
            "// Parameters\nlet n: usize = 3;\n\nlet s: String = ::core::convert::From::from(r#\"x\"#);\n"
        );
    }

    /// Issue 24: text that is not JSON reached rustc as code that means
    /// something else (`1-2` as −1).
    #[test]
    fn i24_a_value_that_is_not_json_is_an_error_naming_it() {
        for value in [
            "1-2", "1.2.3", "-", "01", "1.", "+1", "0x10", "[1, 2,]", "'a'", "nan",
        ] {
            let error = one(&format!(":param n = {value}"), &[("n", "i64")]).unwrap_err();
            assert!(
                error.contains("not JSON") && error.contains(&format!("{value:?}")),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn non_finite_floats_are_read_anywhere_but_inside_strings() {
        assert_eq!(
            one(":param v = [1.5, NaN, -Infinity]", &[]).unwrap(),
            "let v: Vec<f64> = vec![1.5, f64::NAN, f64::NEG_INFINITY];"
        );
        assert_eq!(
            one(r#":param s = "NaN \" Infinity""#, &[]).unwrap(),
            r##"let s: String = ::core::convert::From::from(r#"NaN " Infinity"#);"##
        );
        assert_eq!(
            one(r#":param m = {"Infinity": Infinity}"#, &[]).unwrap(),
            "let m: std::collections::BTreeMap<String, f64> = ::core::iter::FromIterator::from_iter([(::core::convert::From::from(r#\"Infinity\"#), f64::INFINITY)]);"
        );
        // A number that merely looks like a stand-in is a number.
        assert_eq!(
            one(":param x = 0.000000", &[]).unwrap(),
            "let x: f64 = 0.000000;"
        );
    }

    #[test]
    fn dict_entries_keep_their_order_and_numbers_their_digits() {
        assert_eq!(
            one(
                r#":param m = {"b": 1, "a": 18446744073709551616}"#,
                &[("m", "Vec<(String, u128)>")]
            )
            .unwrap_err(),
            ":param m: a dict cannot be a Vec<(String, u128)> (the session has m: Vec<(String, u128)>)"
        );
        assert_eq!(
            one(
                r#":param m = {"b": 1, "a": 18446744073709551616}"#,
                &[("m", "IndexMap<String, u128>")]
            )
            .unwrap(),
            "let m: IndexMap<String, u128> = ::core::iter::FromIterator::from_iter([(::core::convert::From::from(r#\"b\"#), 1), (::core::convert::From::from(r#\"a\"#), 18446744073709551616)]);"
        );
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
