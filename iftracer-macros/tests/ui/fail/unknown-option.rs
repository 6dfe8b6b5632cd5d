#[iftracer::task(nmae = "typo")]
fn work() {}

fn main() {}
