#[iftracer::task(skip_all, capture(token))]
fn call(token: &str) -> usize {
    token.len()
}

fn main() {}
