struct Agent;

impl Agent {
    #[iftracer::task(capture(self))]
    fn ask(&self, question: &str) -> usize {
        question.len()
    }
}

fn main() {}
