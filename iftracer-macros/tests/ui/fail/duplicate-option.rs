#[iftracer::task(name = "a", name = "b")]
fn work() {}

fn main() {}
