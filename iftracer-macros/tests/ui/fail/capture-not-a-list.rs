#[iftracer::task(capture = "token")]
fn call(token: &str) -> usize {
    token.len()
}

fn main() {}
