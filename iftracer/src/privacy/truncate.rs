//! Cutting long values at a character boundary, for the per-value length cap.

/// The longest prefix of `text` within `max` bytes, ending at a character boundary.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn cuts_never_split_a_character() {
        assert_eq!(prefix("short", 10), "short");
        assert_eq!(prefix("0123456789abc", 10), "0123456789");
        assert_eq!(prefix("ééééé", 5), "éé"); // two bytes each
    }
}
