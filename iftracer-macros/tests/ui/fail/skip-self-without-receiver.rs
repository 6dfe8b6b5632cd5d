#[iftracer::task(skip(self))]
fn free(question: &str) -> usize {
    question.len()
}

fn main() {}
