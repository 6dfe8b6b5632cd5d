#[iftracer::task(stream)]
async fn tokens() -> u32 {
    1
}

fn main() {}
