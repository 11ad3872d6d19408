//! Hints under an error, in the user's terms: what to write instead when
//! evcxr cannot keep a borrowed view, where a variable that no longer
//! exists went, and panic locations without the machine's folders.
//!
//! Each hint is data (a [`Hint`]) found from the engine's plain results;
//! its words are written once, in [`Hint::lines`].
//!
//! Invariant: pure; a hint reads only the message it is for, and a
//! message it does not recognise gives no hint.

/// Something worth saying under an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// evcxr keeps variables between cells only if they borrow nothing; a
    /// borrowed `ArrayView` is the case NumPy users meet first. `name` is
    /// the variable that could not be kept.
    PersistingView { name: String },
    /// A variable the cell uses went away in an earlier cell; `why` says
    /// where (from the memory tracker).
    Vanished { why: String },
}

impl Hint {
    /// The hint for a compile error's `message`, if any; `vanished` says
    /// where a variable that no longer exists went, if anyone knows.
    pub fn for_compile_error(
        message: &str,
        vanished: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Hint> {
        if message.contains("can't be persisted") {
            let name = message
                .split('`')
                .nth(1)
                .filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .unwrap_or("v");
            return Some(Hint::PersistingView {
                name: name.to_owned(),
            });
        }
        let why = missing_value(message).and_then(vanished)?;
        Some(Hint::Vanished { why })
    }

    /// The hint as the lines shown under the error.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Hint::PersistingView { name } => vec![
                format!("hint: `{name}` borrows from another variable, and a borrow cannot outlive its cell."),
                "      For a view that lives on in later cells, use an NpArray: its views share the".to_owned(),
                "      buffer and persist, as NumPy's do:".to_owned(),
                "          let a = NpArray::from(a);  // or np::arange(..), np::zeros(..)".to_owned(),
                format!("          let {name} = a.slice(s![1..3]);  // a view of a's buffer"),
                "      Or keep the view inside one cell (wrap the code in { }), or copy it with .to_owned().".to_owned(),
            ],
            Hint::Vanished { why } => vec![format!("hint: {why}")],
        }
    }
}

/// The name in rustc's "cannot find value `x` in this scope".
fn missing_value(message: &str) -> Option<&str> {
    message
        .strip_prefix("cannot find value `")?
        .split('`')
        .next()
}

/// A panic location without the machine's folders: from the crate's folder
/// on (`ndarray-0.17.2/src/...`, `memscope-prelude/src/...`), so that an
/// output saved in a notebook is the same on every machine.
pub fn portable_location(location: &str) -> &str {
    if !location.starts_with('/') {
        return location;
    }
    match location.rfind("/src/") {
        Some(src) => {
            let crate_start = location[..src].rfind('/').map_or(0, |slash| slash + 1);
            &location[crate_start..]
        }
        None => location.rsplit('/').next().unwrap_or(location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_read_only_the_messages_they_are_for() {
        assert_eq!(
            missing_value("cannot find value `x` in this scope"),
            Some("x")
        );
        assert_eq!(missing_value("cannot find type `X` in this scope"), None);
        let nobody = |_: &str| None;
        assert!(Hint::for_compile_error("mismatched types", &nobody).is_none());
        assert!(Hint::for_compile_error("cannot find value `x` in this scope", &nobody).is_none());
        let odd_name =
            Hint::for_compile_error("The variable `a.b` ... can't be persisted", &nobody).unwrap();
        assert!(odd_name.lines()[4].contains("let v = "), "{odd_name:?}");
    }

    #[test]
    fn panic_locations_lose_the_machines_folders() {
        assert_eq!(
            portable_location(
                "/home/me/src/memscope/kernel/memscope-prelude/src/nparray/access.rs:1:2"
            ),
            "memscope-prelude/src/nparray/access.rs:1:2"
        );
        assert_eq!(
            portable_location(
                "/root/.cargo/registry/src/index.crates.io-1/ndarray-0.17.2/src/lib.rs:9:1"
            ),
            "ndarray-0.17.2/src/lib.rs:9:1"
        );
        assert_eq!(portable_location("src/lib.rs:3:4"), "src/lib.rs:3:4");
        assert_eq!(portable_location("/x/y.rs:1:1"), "y.rs:1:1");
    }
}
