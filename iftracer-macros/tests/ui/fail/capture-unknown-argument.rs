#[iftracer::task(capture(tokn))]
fn call(token: &str) -> usize {
    token.len()
}

fn main() {}
