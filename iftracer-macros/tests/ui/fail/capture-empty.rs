#[iftracer::task(capture())]
fn call(token: &str) -> usize {
    token.len()
}

fn main() {}
