//! Converting cursor positions between Jupyter's unit (Unicode code points,
//! since protocol 5.2) and Rust's (bytes).
//!
//! Invariant: both functions are total: positions past the end clamp to the
//! end, and a byte offset inside a character rounds down to its start.

/// The byte offset of the `chars`-th code point of `text`.
pub fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(byte, _)| byte)
}

/// The number of code points before byte offset `byte` of `text`.
pub fn byte_to_char(text: &str, byte: usize) -> usize {
    text.char_indices()
        .take_while(|&(b, c)| b + c.len_utf8() <= byte)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        for i in 0..=5 {
            assert_eq!(char_to_byte("hello", i), i);
            assert_eq!(byte_to_char("hello", i), i);
        }
    }

    #[test]
    fn multibyte_text() {
        let text = "let s = \"héllo\"; x";
        // 'é' is two bytes: code point 10 is byte 10, code point 11 is byte 12.
        assert_eq!(char_to_byte(text, 10), 10);
        assert_eq!(char_to_byte(text, 11), 12);
        assert_eq!(byte_to_char(text, text.len()), text.chars().count());
        assert_eq!(byte_to_char(text, 11), 10, "inside 'é' rounds down");
        assert_eq!(char_to_byte(text, 1000), text.len());
        assert_eq!(char_to_byte("🦀a", 1), 4);
    }
}
