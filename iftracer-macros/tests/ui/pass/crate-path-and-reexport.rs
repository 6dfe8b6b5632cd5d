// A crate that re-exports iftracer under another name points the macro at it.
mod observability {
    pub use iftracer as tracing_sdk;
}

#[iftracer::task(crate = observability::tracing_sdk, name = "renamed")]
fn work(input: u32) -> u32 {
    input + 1
}

fn main() {
    assert_eq!(work(1), 2);
}
