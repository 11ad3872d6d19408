//! ValueSample in the picture: short enough to sit beside the order numbers,
//! and shown only where they fit.
//!
//! A cell sends values exactly as Rust writes them; the JSON keeps them so,
//! and the picture shortens long floats to four significant digits.

use memscope_cell_abi::ValueSample;

/// A line of values is drawn only if it is at most this many characters
/// wide, or no wider than the order numbers above it.
pub const MAX_LINE: usize = 100;

/// ValueSample longer than this are shortened, if they are floats.
const SHORT: usize = 6;

/// A value as the picture shows it, and whether it was rounded: short ones
/// as sent; a long float to four significant digits (`0.3` for
/// `0.30000000000000004`, `1.23e-7`); anything else as sent.
pub fn short(value: &str) -> (String, bool) {
    if value.len() <= SHORT || !value.contains(['.', 'e']) {
        return (value.to_owned(), false);
    }
    match value.parse::<f64>() {
        Ok(number) if number.is_finite() => (rounded(number), true),
        _ => (value.to_owned(), false),
    }
}

fn rounded(number: f64) -> String {
    let magnitude = number.abs();
    if !(1e-3..1e5).contains(&magnitude) {
        return format!("{number:.2e}");
    }
    // Four significant digits, at least one after the point.
    let decimals = (3 - magnitude.log10().floor() as i64).max(1) as usize;
    let mut text = format!("{number:.decimals$}");
    while text.ends_with('0') && !text.ends_with(".0") {
        text.pop();
    }
    text
}

/// `99.0, 97.0, 95.0, ..., 3.0, 1.0`: an array's values for a line that
/// has no room to draw them one by one; `None` if the cell sent none.
pub fn ends(values: &ValueSample, count: u64) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let shown = |list: &[String]| -> Vec<String> { list.iter().map(|v| short(v).0).collect() };
    let (head, tail) = match values.all(count) {
        Some(all) if all.len() > 6 => (shown(&all[..3]), shown(&all[all.len() - 3..])),
        Some(all) => (shown(all), Vec::new()),
        None => (shown(&values.head), shown(&values.tail)),
    };
    let mut words = head;
    if !tail.is_empty() {
        words.push("...".to_owned());
        words.extend(tail);
    }
    Some(words.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(head: &[&str], tail: &[&str]) -> ValueSample {
        ValueSample {
            head: head.iter().map(|v| (*v).to_owned()).collect(),
            tail: tail.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn long_floats_keep_four_significant_digits() {
        let cases = [
            ("0.30000000000000004", "0.3", true),
            ("1234.5678", "1234.6", true),
            ("12345.678", "12345.7", true),
            ("0.0012345678", "0.001235", true),
            ("1.2345e-7", "1.23e-7", true),
            ("123456789.0", "1.23e8", true),
            ("-2.5", "-2.5", false),
            ("1e-7", "1e-7", false),
            ("123456789", "123456789", false),
            ("-inf", "-inf", false),
            ("NaN", "NaN", false),
            ("false", "false", false),
        ];
        for (sent, shown, was_rounded) in cases {
            assert_eq!(short(sent), (shown.to_owned(), was_rounded), "{sent}");
        }
    }

    #[test]
    fn ends_show_three_values_at_each_end() {
        let long = values(&["99.0", "97.0", "95.0"], &["5.0", "3.0", "1.0"]);
        assert_eq!(
            ends(&long, 50).as_deref(),
            Some("99.0, 97.0, 95.0, ..., 5.0, 3.0, 1.0")
        );
        let seven: Vec<String> = (0..7).map(|i| i.to_string()).collect();
        let all = ValueSample {
            head: seven,
            tail: Vec::new(),
        };
        assert_eq!(ends(&all, 7).as_deref(), Some("0, 1, 2, ..., 4, 5, 6"));
        assert_eq!(ends(&values(&["1", "2"], &[]), 2).as_deref(), Some("1, 2"));
        assert_eq!(ends(&ValueSample::default(), 5), None);
    }
}
