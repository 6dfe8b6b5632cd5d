//! The JSON text of a value that serialises as an integer, a boolean or null, made without the
//! JSON writer: no buffer, no UTF-8 check, no copy; `true`, `false` and `null` not even an
//! allocation. The common results of instrumented functions (counts, ids, flags) take this way;
//! anything else is refused at its first serialiser call and written by `serde_json`.
//!
//! The text is exactly `serde_json`'s (`itoa` for integers; a test compares the two). Floats
//! are left to `serde_json`, whose float formatting is its own.

use std::fmt;

use opentelemetry::StringValue;
use serde::Serialize;
use serde::ser::{self, Impossible};

/// `value`'s JSON text if it serialises as a scalar; `None` to write it with `serde_json`.
#[inline]
pub(super) fn json<T: Serialize + ?Sized>(value: &T) -> Option<StringValue> {
    value.serialize(Scalar).ok()
}

/// Accepts integers, booleans, unit and options or newtypes of them.
struct Scalar;

/// Refused: the value is not a scalar (or has text to escape), so `serde_json` writes it.
#[derive(Debug)]
struct NotScalar;

impl fmt::Display for NotScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a JSON scalar")
    }
}

impl std::error::Error for NotScalar {}

impl ser::Error for NotScalar {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotScalar
    }
}

#[inline]
fn integer(value: impl itoa::Integer) -> Result<StringValue, NotScalar> {
    Ok(itoa::Buffer::new().format(value).to_owned().into())
}

type Refused = Impossible<StringValue, NotScalar>;

/// The serialiser's methods for integers, each writing its digits.
macro_rules! integers {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<StringValue, NotScalar> {
                integer(v)
            }
        )*
    };
}

impl ser::Serializer for Scalar {
    type Ok = StringValue;
    type Error = NotScalar;
    type SerializeSeq = Refused;
    type SerializeTuple = Refused;
    type SerializeTupleStruct = Refused;
    type SerializeTupleVariant = Refused;
    type SerializeMap = Refused;
    type SerializeStruct = Refused;
    type SerializeStructVariant = Refused;

    fn serialize_bool(self, v: bool) -> Result<StringValue, NotScalar> {
        Ok(if v { "true" } else { "false" }.into())
    }
    integers! {
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
    }
    fn serialize_none(self) -> Result<StringValue, NotScalar> {
        Ok("null".into())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<StringValue, NotScalar> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<StringValue, NotScalar> {
        Ok("null".into())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<StringValue, NotScalar> {
        Ok("null".into())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<StringValue, NotScalar> {
        value.serialize(self)
    }

    // Floats: serde_json's own formatting. Text needs escaping: serde_json's writer does it.
    fn serialize_f32(self, _: f32) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_f64(self, _: f64) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_char(self, _: char) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_str(self, _: &str) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<StringValue, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple(self, _: usize) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Refused, NotScalar> {
        Err(NotScalar)
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, _: &T) -> Result<StringValue, NotScalar> {
        // Refused before the text is formatted (the default would format it first).
        Err(NotScalar)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::json;

    #[derive(Serialize)]
    struct Id(u64);

    #[derive(Serialize)]
    struct Empty;

    #[derive(Serialize)]
    enum Choice {
        Plain,
        Wrapped(u8),
    }

    /// The scalar text where it applies, `None` where serde_json must write it.
    fn both<T: Serialize + ?Sized>(value: &T) -> (Option<String>, String) {
        let ours = json(value).map(|v| v.as_str().to_owned());
        (ours, serde_json::to_string(value).unwrap())
    }

    #[track_caller]
    fn same_as_serde_json<T: Serialize + ?Sized>(value: &T) {
        let (ours, theirs) = both(value);
        assert_eq!(ours.as_deref(), Some(theirs.as_str()));
    }

    #[track_caller]
    fn refused<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(both(value).0, None);
    }

    #[test]
    fn scalars_are_written_as_serde_json_writes_them() {
        for v in [0u64, 7, 10, 99, 100, u64::MAX] {
            same_as_serde_json(&v);
        }
        for v in [i64::MIN, -1, 0, 42, i64::MAX] {
            same_as_serde_json(&v);
        }
        same_as_serde_json(&u128::MAX);
        same_as_serde_json(&i128::MIN);
        same_as_serde_json(&-5i8);
        same_as_serde_json(&65535u16);
        same_as_serde_json(&-70000i32);
        same_as_serde_json(&4_000_000_000u32);
        same_as_serde_json(&255u8);
        same_as_serde_json(&true);
        same_as_serde_json(&false);
        same_as_serde_json(&());
        same_as_serde_json(&None::<u8>);
        same_as_serde_json(&Some(3u8));
        same_as_serde_json(&Some(Some(false)));
        same_as_serde_json(&Id(12));
        same_as_serde_json(&Empty);
        same_as_serde_json(&&&5u16);
    }

    #[test]
    fn text_and_compound_values_are_left_to_serde_json() {
        refused("text");
        refused(&String::from("a\"b"));
        refused(&'c');
        refused(&1.5f64);
        refused(&2.5f32);
        refused(&Choice::Plain);
        refused(&Choice::Wrapped(1));
        refused(&vec![1, 2]);
        refused(&(1, 2));
        refused(&BTreeMap::from([("k", 1)]));
        refused(&Some("text"));
        refused(&std::net::Ipv4Addr::LOCALHOST);
    }
}
