//! Span names, kinds, parents, chained entity names, versions, GenAI twins and methods.

mod common;

use common::{Harness, attr, attrs, names};
use iftracer::opentelemetry::Value;
use iftracer::{agent, task, tool, workflow};

#[workflow(name = "research", version = "3")]
fn research() {
    plan();
    summarize::<u8>(1);
}

#[task]
fn plan() {
    search("otlp");
}

#[tool]
fn search(query: &str) -> usize {
    query.len()
}

#[task(name = "summarize")]
fn summarize<T>(value: T) -> T
where
    T: Copy + std::fmt::Debug,
{
    value
}

#[test]
fn names_kinds_parents_and_chained_entity_names() {
    let harness = Harness::new();
    research();
    let spans = harness.spans();
    assert_eq!(
        names(&spans),
        [
            "search.tool",
            "plan.task",
            "summarize.task",
            "research.workflow"
        ]
    );
    let workflow = harness.span("research.workflow");
    let plan = harness.span("plan.task");
    let search = harness.span("search.tool");
    assert_eq!(plan.parent_span_id, workflow.span_context.span_id());
    assert_eq!(search.parent_span_id, plan.span_context.span_id());
    assert!(
        spans
            .iter()
            .all(|s| s.span_context.trace_id() == workflow.span_context.trace_id())
    );

    assert_eq!(
        attr(&workflow, "iftracer.span.kind").as_deref(),
        Some("workflow")
    );
    assert_eq!(
        attr(&workflow, "iftracer.entity.name").as_deref(),
        Some("research")
    );
    assert_eq!(
        attr(&workflow, "iftracer.entity.version").as_deref(),
        Some("3")
    );
    assert_eq!(
        attr(&workflow, "gen_ai.operation.name").as_deref(),
        Some("invoke_workflow")
    );
    assert_eq!(attr(&plan, "iftracer.entity.name").as_deref(), Some("plan"));
    assert_eq!(
        attr(&search, "iftracer.entity.name").as_deref(),
        Some("plan.search")
    );
    assert_eq!(
        attr(&search, "iftracer.entity.path").as_deref(),
        Some("plan")
    );
    assert_eq!(
        attr(&search, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(attr(&search, "gen_ai.tool.name").as_deref(), Some("search"));
    for span in &spans {
        assert_eq!(
            attr(span, "iftracer.workflow.name").as_deref(),
            Some("research"),
            "{}",
            span.name
        );
        let all = attrs(span);
        assert_eq!(
            all.len(),
            span.attributes.len(),
            "{}: a key written twice",
            span.name
        );
    }
}

struct Planner {
    goal: String,
}

impl Planner {
    #[agent(name = "planner")]
    fn run(&self, steps: u32) -> String {
        format!("{} in {steps} steps", self.goal)
    }

    #[task]
    fn rename(&mut self, goal: String) {
        self.goal = goal;
    }

    #[task(skip_output)]
    fn into_goal(self) -> String {
        self.goal
    }

    #[task]
    fn items(&self) -> impl Iterator<Item = char> + '_ {
        self.goal.chars()
    }
}

#[test]
fn methods_with_every_receiver_and_impl_trait_returns() {
    let harness = Harness::new();
    let mut planner = Planner {
        goal: "ship".to_owned(),
    };
    assert_eq!(planner.run(2), "ship in 2 steps");
    planner.rename("land".to_owned());
    assert_eq!(planner.items().count(), 4);
    assert_eq!(planner.into_goal(), "land");
    assert_eq!(
        names(&harness.spans()),
        [
            "planner.agent",
            "rename.task",
            "items.task",
            "into_goal.task"
        ]
    );
    let agent = harness.span("planner.agent");
    assert_eq!(
        attr(&agent, "gen_ai.operation.name").as_deref(),
        Some("invoke_agent")
    );
    assert_eq!(
        attr(&agent, "gen_ai.agent.name").as_deref(),
        Some("planner")
    );
    assert_eq!(
        attrs(&agent)["iftracer.entity.output"],
        Value::from("\"ship in 2 steps\"")
    );
    assert!(attr(&harness.span("into_goal.task"), "iftracer.entity.output").is_none());
}

#[task]
fn takes_impl_trait(values: impl IntoIterator<Item = u32>) -> u32 {
    values.into_iter().sum()
}

#[test]
fn impl_trait_arguments() {
    let harness = Harness::new();
    assert_eq!(takes_impl_trait([1, 2, 3]), 6);
    let span = harness.span("takes_impl_trait.task");
    assert_eq!(attr(&span, "iftracer.entity.output").as_deref(), Some("6"));
}

#[test]
fn tracing_switched_off_runs_the_function_and_records_nothing() {
    let harness = Harness::with(|b| b.enabled(false));
    assert!(!iftracer::is_enabled());
    research();
    assert!(harness.spans().is_empty());
    drop(harness);
    // Later pipelines turn it back on.
    let harness = Harness::new();
    research();
    assert_eq!(harness.spans().len(), 4);
}
