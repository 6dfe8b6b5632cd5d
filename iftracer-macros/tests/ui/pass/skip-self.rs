// `skip(self)`, as `#[instrument]` users write it on methods, with every kind of receiver.
struct Agent {
    prefix: String,
}

impl Agent {
    #[iftracer::task(skip(self))]
    fn by_ref(&self, question: &str) -> String {
        format!("{}{question}", self.prefix)
    }

    #[iftracer::task(skip(self, question))]
    fn by_mut(&mut self, question: &str) {
        self.prefix.push_str(question);
    }

    #[iftracer::agent(skip(self), name = "boxed")]
    fn boxed(self: Box<Self>) -> usize {
        self.prefix.len()
    }

    #[iftracer::tool(skip(self))]
    async fn by_value(self, n: u32) -> u32 {
        n + self.prefix.len() as u32
    }
}

fn main() {
    let mut agent = Agent {
        prefix: "> ".to_owned(),
    };
    assert_eq!(agent.by_ref("q"), "> q");
    agent.by_mut("x");
    assert_eq!(Box::new(Agent { prefix: "ab".to_owned() }).boxed(), 2);
    let _future = agent.by_value(1);
}
