"""The Python side of the Temporal interop tests: the real `temporalio` SDK with its
`TracingInterceptor`, serving or calling the same `AgentWorkflow` / `llm_activity` as
examples/temporal_agent.rs. Finished spans are printed to stdout as one JSON line at exit.

    interop.py python-only ADDRESS TASK_QUEUE WORKFLOW_ID   # Python client + Python worker
    interop.py client      ADDRESS TASK_QUEUE WORKFLOW_ID   # Python client only
    interop.py worker      ADDRESS TASK_QUEUE               # serve until stdin closes
    interop.py messages-python-only ADDRESS TASK_QUEUE WORKFLOW_ID
        # Python client + worker: MessageWorkflow's signal, query and update
    interop.py messages-client ADDRESS TASK_QUEUE WORKFLOW_ID   # the same, Python client only
"""

import asyncio
import json
import os
import sys
from datetime import timedelta

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(PROVIDER)
QUESTION = "What does OpenTelemetry do?"


@activity.defn(name="llm_activity")
async def llm_activity(question: str) -> str:
    tracer = trace.get_tracer("interop")
    # INTERNAL, as iftracer makes LLM spans: InsightFinder pairs prompts only on INTERNAL spans.
    with tracer.start_as_current_span("chat simulated-llm", kind=trace.SpanKind.INTERNAL):
        return f"A simulated answer to: {question}"


@workflow.defn(name="AgentWorkflow")
class AgentWorkflow:
    @workflow.run
    async def run(self, question: str) -> str:
        return await workflow.execute_activity(
            "llm_activity", question, start_to_close_timeout=timedelta(seconds=30)
        )


@workflow.defn(name="MessageWorkflow")
class MessageWorkflow:
    """The twin of tests/temporal/workflows.rs `MessageWorkflow`."""

    def __init__(self) -> None:
        self.signals = 0
        self.finished = False

    @workflow.run
    async def run(self, _input: str) -> int:
        await workflow.wait_condition(lambda: self.signals >= 1 and self.finished)
        return self.signals

    @workflow.signal(name="signal")
    def signal(self, _input: str) -> None:
        self.signals += 1

    @workflow.query(name="query")
    def query(self) -> int:
        return self.signals

    @workflow.update(name="update")
    def update(self, _input: str) -> int:
        self.finished = True
        return self.signals

    @update.validator
    def validate_update(self, value: str) -> None:
        if not value:
            raise ValueError("empty update")


async def messages(client: Client, task_queue: str, workflow_id: str) -> None:
    """What tests/temporal/scenarios.rs `signal_query_and_update` does, under `scenario`."""
    with trace.get_tracer("scenario").start_as_current_span("scenario"):
        handle = await client.start_workflow(
            "MessageWorkflow", "start", id=workflow_id, task_queue=task_queue
        )
        await handle.signal("signal", "one")
        seen = await handle.query("query")
        await handle.execute_update("update", "finish")
        signals = await handle.result()
    print(f"query {seen}, result {signals}", file=sys.stderr, flush=True)


def dump() -> None:
    spans = []
    for span in EXPORTER.get_finished_spans():
        spans.append(
            {
                "name": span.name,
                "kind": span.kind.name,
                "trace_id": f"{span.context.trace_id:032x}",
                "span_id": f"{span.context.span_id:016x}",
                "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
                "links": [f"{link.context.span_id:016x}" for link in span.links],
                "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
                "status": span.status.status_code.name,
                "status_text": span.status.description or "",
                "events": [event.name for event in span.events],
                "start_ns": span.start_time,
                "end_ns": span.end_time,
            }
        )
    print(json.dumps(spans), flush=True)


async def connect(address: str) -> Client:
    return await Client.connect(address, namespace="default", interceptors=[TracingInterceptor()])


async def ask(client: Client, task_queue: str, workflow_id: str) -> None:
    with trace.get_tracer("interop").start_as_current_span("ask_agent"):
        answer = await client.execute_workflow(
            "AgentWorkflow", QUESTION, id=workflow_id, task_queue=task_queue
        )
    print(answer, file=sys.stderr, flush=True)


def worker(client: Client, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[AgentWorkflow, MessageWorkflow],
        activities=[llm_activity],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )


async def main(mode: str, address: str, task_queue: str, workflow_id: str = "") -> None:
    client = await connect(address)
    if mode == "python-only":
        async with worker(client, task_queue):
            await ask(client, task_queue, workflow_id)
    elif mode == "messages-python-only":
        async with worker(client, task_queue):
            await messages(client, task_queue, workflow_id)
    elif mode == "messages-client":
        await messages(client, task_queue, workflow_id)
    elif mode == "client":
        await ask(client, task_queue, workflow_id)
    elif mode == "worker":
        async with worker(client, task_queue):
            print("ready", file=sys.stderr, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    else:
        raise SystemExit(f"unknown mode {mode}")
    dump()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
    # Skip interpreter finalization: the SDK's native threads can abort it after the spans
    # are already printed.
    sys.stdout.flush()
    os._exit(0)
