//! iftracer's own export thread: a small tokio runtime that every exporter runs on.
//!
//! Exports never borrow the application's runtime, so they work without tokio, in a
//! current-thread runtime, and while the application blocks a worker in `shutdown()`.

use std::future::Future;
use std::sync::Mutex;

use opentelemetry::Context;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::Error;

#[derive(Debug)]
pub(crate) struct ExportRuntime {
    handle: Handle,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl ExportRuntime {
    pub(crate) fn start() -> Result<Self, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::ExportThread)?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("iftracer-export".to_owned())
            .spawn(move || {
                // The exporters' own instrumentation (hyper, tonic) must not feed spans back
                // into the pipeline that is exporting them.
                let _suppressed = Context::enter_telemetry_suppressed_scope();
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Never wait for a stuck export or DNS lookup when stopping.
                runtime.shutdown_background();
            })
            .map_err(Error::ExportThread)?;
        Ok(ExportRuntime {
            handle,
            stop: Mutex::new(Some(stop)),
        })
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        let stop = self
            .stop
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
    }
}
