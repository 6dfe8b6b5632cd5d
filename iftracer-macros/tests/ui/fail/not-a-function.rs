#[iftracer::workflow]
struct Research;

fn main() {}
