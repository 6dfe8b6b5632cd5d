//! The `key=value,key2=value2` lists of `OTEL_EXPORTER_OTLP_HEADERS`, `IFTRACER_HEADERS` and
//! `OTEL_RESOURCE_ATTRIBUTES` (W3C Baggage style: values are percent-decoded).

use percent_encoding::percent_decode_str;

/// Splits a list into trimmed, percent-decoded `(key, value)` pairs; empty entries are skipped.
///
/// Returns the offending entry when one has no `=`, an empty key, or a value that is not UTF-8
/// once decoded.
pub(crate) fn parse(input: &str) -> Result<Vec<(String, String)>, String> {
    input
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (key, value) = entry.split_once('=').ok_or_else(|| entry.to_owned())?;
            let key = key.trim();
            if key.is_empty() {
                return Err(entry.to_owned());
            }
            let value = percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| entry.to_owned())?;
            Ok((key.to_owned(), value.into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_pairs_trims_and_decodes() {
        let pairs = parse(" a=1 , Authorization=Bearer%20tk_x ,, b = two%3Dthree ").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("Authorization".to_owned(), "Bearer tk_x".to_owned()),
                ("b".to_owned(), "two=three".to_owned()),
            ]
        );
    }

    #[test]
    fn keeps_equals_signs_inside_values() {
        assert_eq!(
            parse("k=a=b").unwrap(),
            vec![("k".to_owned(), "a=b".to_owned())]
        );
    }

    #[test]
    fn rejects_entries_without_key_or_equals() {
        assert_eq!(parse("a=1,novalue").unwrap_err(), "novalue");
        assert_eq!(parse("=1").unwrap_err(), "=1");
        assert_eq!(parse("a=%ff").unwrap_err(), "a=%ff");
    }

    #[test]
    fn empty_input_is_an_empty_list() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse(" , ").unwrap().is_empty());
    }
}
