// `impl Trait` inside a return type is erased to `_` only where it appears: the rest of the type
// still guides the body, so `Box::new(…)` coerces to `Box<dyn …>` and `?` converts into it.
// (With the whole annotation dropped, each function here was a type mismatch.)
use std::error::Error;
use std::fmt::{Debug, Display};

#[iftracer::task]
fn parse(text: &str) -> Result<impl Display, Box<dyn Error>> {
    if text.is_empty() {
        return Err(Box::new(std::fmt::Error));
    }
    let n: u32 = text.parse()?;
    Ok(n * 2)
}

#[iftracer::task]
async fn parse_later(text: String) -> Result<impl Display + Send, Box<dyn Error + Send>> {
    if text.is_empty() {
        return Err(Box::new(std::fmt::Error));
    }
    Ok(text.len())
}

#[iftracer::task]
fn pair(n: u8) -> (impl Display, Box<dyn Debug>, Vec<impl Debug>) {
    (n, Box::new(n), vec![n; 2])
}

#[iftracer::task]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

fn main() {
    assert_eq!(parse("21").unwrap().to_string(), "42");
    assert!(parse("x").is_err());
    assert!(parse("").is_err());
    let _future = parse_later("1".to_owned());
    assert_eq!(format!("{:?}", pair(3).2), "[3, 3]");
    assert_eq!(evens(5).count(), 3);
}
