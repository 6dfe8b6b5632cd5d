//! The stream wrapper of entities marked `stream`: the span lasts until the stream ends.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;

use super::Entity;
use super::entity::Cancellable;

pin_project_lite::pin_project! {
    /// Polls `inner` with the entity's span current and ends the span when `inner` ends, or,
    /// marked cancelled, when the wrapper is dropped first.
    pub struct InstrumentedStream<S> {
        #[pin]
        inner: S,
        entity: Cancellable,
    }
}

impl<S> InstrumentedStream<S> {
    pub(super) fn new(inner: S, entity: Entity) -> Self {
        InstrumentedStream {
            inner,
            entity: Cancellable(entity),
        }
    }
}

impl<S: Stream> Stream for InstrumentedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let _attached = this.entity.0.context().cloned().map(|cx| cx.attach());
        let poll = this.inner.poll_next(task);
        if let Poll::Ready(None) = poll {
            this.entity.0.finish(false);
        }
        poll
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
