//! The future wrapper of async entities.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use super::Entity;
use super::entity::Cancellable;

pin_project_lite::pin_project! {
    /// Polls `inner` with the entity's span current, and ends the span when `inner` completes,
    /// or, marked cancelled, when the wrapper is dropped first. The context is attached only
    /// inside `poll`, so no `!Send` guard lives across an `.await`.
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        entity: Cancellable,
    }
}

impl<F> Instrumented<F> {
    pub(super) fn new(inner: F, entity: Entity) -> Self {
        Instrumented {
            inner,
            entity: Cancellable(entity),
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _attached = this.entity.0.context().cloned().map(|cx| cx.attach());
        let poll = this.inner.poll(task);
        if poll.is_ready() {
            this.entity.0.finish(false);
        }
        poll
    }
}
