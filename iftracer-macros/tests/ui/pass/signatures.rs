// Attributes, docs, visibility, generics, where clauses, lifetimes and `impl Trait` stay as
// written.
use std::fmt::Debug;

/// Documented.
#[iftracer::task]
#[inline]
pub(crate) fn generic<'a, T: Debug + ?Sized>(value: &'a T, extra: impl Into<String>) -> &'a T
where
    T: Send,
{
    let _ = extra.into();
    value
}

#[iftracer::workflow]
pub async fn send_future(input: String) -> Result<usize, std::io::Error> {
    Ok(input.len())
}

fn require_send<F: std::future::Future + Send>(future: F) -> F {
    future
}

fn main() {
    assert_eq!(generic("x", "y"), "x");
    let _future = require_send(send_future("z".to_owned()));
}
