//! One-line values of the simple variables behind `dyn Any`, for
//! JupyterLab's Variables panel.
//!
//! It compares a variable's
//! `TypeId` with the types it knows: numbers, `bool`, `char`, `()`,
//! strings and `Option`s of them. Those are the values a user expects to
//! read at a glance, and each is summarised in time independent of its
//! size: a string shows its first [`STRING_CHARS`] characters and its
//! length. Anything else (a struct, a map) gets no value here, and the
//! panel shows its type alone.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::OnceLock;

/// How much of a string the panel shows.
pub const STRING_CHARS: usize = 60;

type Summariser = fn(&dyn Any) -> Option<String>;

/// A one-line value of `value`, if it is of a type we summarise.
pub fn summarise(value: &dyn Any) -> Option<String> {
    let summariser = summarisers().get(&value.type_id())?;
    summariser(value)
}

fn summarisers() -> &'static HashMap<TypeId, Summariser> {
    static TABLE: OnceLock<HashMap<TypeId, Summariser>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        macro_rules! register_debug {
            ($($t:ty),*) => {$(
                table.insert(TypeId::of::<$t>(), debug_of::<$t> as Summariser);
                table.insert(TypeId::of::<Option<$t>>(), option_of::<$t> as Summariser);
            )*};
        }
        register_debug!(
            bool,
            char,
            (),
            i8,
            i16,
            i32,
            i64,
            i128,
            isize,
            u8,
            u16,
            u32,
            u64,
            u128,
            usize,
            f32,
            f64
        );
        table.insert(TypeId::of::<String>(), |v| {
            Some(string(v.downcast_ref::<String>()?))
        });
        table.insert(TypeId::of::<&'static str>(), |v| {
            Some(string(v.downcast_ref::<&'static str>()?))
        });
        table.insert(TypeId::of::<Box<str>>(), |v| {
            Some(string(v.downcast_ref::<Box<str>>()?))
        });
        table.insert(TypeId::of::<Option<String>>(), |v| {
            Some(match v.downcast_ref::<Option<String>>()? {
                Some(text) => format!("Some({})", string(text)),
                None => "None".to_owned(),
            })
        });
        table
    })
}

fn debug_of<T: Debug + 'static>(value: &dyn Any) -> Option<String> {
    Some(format!("{:?}", value.downcast_ref::<T>()?))
}

fn option_of<T: Debug + 'static>(value: &dyn Any) -> Option<String> {
    Some(format!("{:?}", value.downcast_ref::<Option<T>>()?))
}

/// `"text"` as Rust writes it, cut after [`STRING_CHARS`] characters with
/// the whole length said, so a long string costs no more than a short one.
fn string(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(STRING_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_flags_read_as_rust_writes_them() {
        assert_eq!(summarise(&42_i64).as_deref(), Some("42"));
        assert_eq!(
            summarise(&u128::MAX).as_deref(),
            Some(&*u128::MAX.to_string())
        );
        assert_eq!(summarise(&1.0_f64).as_deref(), Some("1.0"));
        assert_eq!(summarise(&f32::NAN).as_deref(), Some("NaN"));
        assert_eq!(summarise(&true).as_deref(), Some("true"));
        assert_eq!(summarise(&'é').as_deref(), Some("'é'"));
        assert_eq!(summarise(&Some(3_u8)).as_deref(), Some("Some(3)"));
        assert_eq!(summarise(&None::<f64>).as_deref(), Some("None"));
    }

    #[test]
    fn strings_are_quoted_escaped_and_cut() {
        assert_eq!(
            summarise(&"a\"b\n".to_owned()).as_deref(),
            Some(r#""a\"b\n""#)
        );
        assert_eq!(summarise(&"hi").as_deref(), Some(r#""hi""#));
        assert_eq!(
            summarise(&Some("x".to_owned())).as_deref(),
            Some(r#"Some("x")"#)
        );
        let long = "é".repeat(1000);
        let shown = summarise(&long).unwrap();
        assert_eq!(
            shown,
            format!("{:?}… (2000 bytes)", "é".repeat(STRING_CHARS))
        );
        let exact = "x".repeat(STRING_CHARS);
        assert_eq!(summarise(&exact), Some(format!("{exact:?}")));
    }

    #[test]
    fn other_types_have_no_summary() {
        assert_eq!(summarise(&vec![1, 2]), None);
        assert_eq!(summarise(&HashMap::<String, i32>::new()), None);
        assert_eq!(summarise(&Some(vec![1])), None);
    }
}
