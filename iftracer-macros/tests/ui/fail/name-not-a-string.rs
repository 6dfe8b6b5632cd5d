#[iftracer::agent(name = planner)]
fn plan() {}

fn main() {}
