// Destructured parameters: skipped and captured by the names they bind.
struct Point {
    x: i32,
    y: i32,
}

struct Meters(f64);

#[iftracer::task(skip(b))]
fn sum((a, b): (u32, u32)) -> u32 {
    a + b
}

#[iftracer::tool(skip(y))]
fn norm(Point { x, y }: Point, Meters(scale): Meters) -> f64 {
    f64::from(x * x + y * y).sqrt() * scale
}

#[iftracer::agent(skip_all)]
async fn first(&(head, _): &(u8, u8), [one, ..]: [u8; 3]) -> u8 {
    head + one
}

fn main() {
    assert_eq!(sum((1, 2)), 3);
    assert_eq!(norm(Point { x: 3, y: 4 }, Meters(2.0)), 10.0);
    let _future = first(&(1, 2), [3, 4, 5]);
}
