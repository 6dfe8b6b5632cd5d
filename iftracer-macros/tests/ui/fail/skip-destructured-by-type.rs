// A destructured parameter has no name of its own: skip the names it binds.
struct Point {
    x: i32,
    y: i32,
}

#[iftracer::task(skip(point))]
fn norm(Point { x, y }: Point) -> i32 {
    x * x + y * y
}

fn main() {}
