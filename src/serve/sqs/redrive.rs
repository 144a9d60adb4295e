//! Receiving for the API and queue triggers: the embedded queue's receive with its dead-letter
//! policy (`store::queue::redrive`), waking long polls when a message moved.

use crate::serve::App;
use crate::serve::protocol::ApiError;
use crate::store::MessageRecord;
use crate::store::queue::redrive;

/// Receives up to `max` messages; a message received more than `maxReceiveCount` times moves
/// to the dead-letter queue instead of being returned.
pub fn receive(
    app: &App,
    queue: &str,
    max: usize,
    visibility_ms: i64,
    now_ms: i64,
) -> Result<Vec<MessageRecord>, ApiError> {
    let got = redrive::receive(&*app.store, queue, max, visibility_ms, now_ms)?;
    if got.moved {
        // Long polls on the dead-letter queue look again.
        app.arrivals.notify_waiters();
    }
    Ok(got.messages)
}
