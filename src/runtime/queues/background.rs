//! The runtime a broker client lives on: one worker thread of its own, so the connection keeps
//! itself alive between calls (heartbeats, subscriptions filling while nobody asks), and every
//! call made from the runtime's synchronous side waits for its answer at most `CALL_TIMEOUT`:
//! a broker that stops answering fails the call instead of stalling the driver.

use std::future::Future;
use std::time::Duration;

/// The longest one broker call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Background {
    rt: Option<tokio::runtime::Runtime>,
}

impl Background {
    /// A runtime named `name` (its thread's name).
    pub fn new(name: &str) -> Result<Background, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build()
            .map_err(|e| format!("could not start the runtime for {name}: {e}"))?;
        Ok(Background { rt: Some(rt) })
    }

    /// Runs `call` to its end (at most `CALL_TIMEOUT`); `what` names it in the error.
    pub fn run<T, E: std::fmt::Display>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        let rt = self.rt.as_ref().expect("the runtime lives until drop");
        // The timer is made inside the runtime: it needs the runtime's clock.
        match rt.block_on(async { tokio::time::timeout(CALL_TIMEOUT, call).await }) {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(format!("{what}: {e}")),
            Err(_) => Err(format!(
                "{what}: no answer within {} s",
                CALL_TIMEOUT.as_secs()
            )),
        }
    }
}

impl Drop for Background {
    /// Stops the worker without waiting for it (dropping a runtime may happen on an async thread).
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
