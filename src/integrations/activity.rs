//! Activities: a Task whose resource is `arn:aws:states:REGION:ACCOUNT:activity:NAME` waits for
//! a worker to take it (`GetActivityTask`) and answer its token. The task waits in the embedded
//! queue `activity:NAME` (a name no SQS queue can have), created by `CreateActivity`.

use super::{Handler, Reply};
use crate::asl::model::ResourceKind;
use crate::engine::Invocation;
use crate::store::queue::{NewMessage, QueueStore};
use serde_json::json;
use std::sync::Arc;

/// The embedded queue holding an activity's scheduled tasks.
pub fn queue_of(activity: &str) -> String {
    format!("activity:{activity}")
}

pub struct Activities {
    pub store: Arc<dyn QueueStore + Send + Sync>,
    pub now_ms: fn() -> i64,
}

impl Handler for Activities {
    fn serves_quickly(&self, inv: &Invocation) -> Option<bool> {
        matches!(inv.resource.kind, ResourceKind::Activity { .. }).then_some(true)
    }

    fn invoke(&mut self, inv: &Invocation) -> Option<Reply> {
        let ResourceKind::Activity { name } = &inv.resource.kind else {
            return None;
        };
        let now = (self.now_ms)();
        let message = NewMessage {
            queue: queue_of(name),
            id: uuid::Uuid::new_v4().to_string(),
            body: json!({"taskToken": inv.token, "input": inv.payload.to_string()}).to_string(),
            attributes: "{}".into(),
            visible_at_ms: now,
            sent_ms: now,
            group_id: None,
            deduplication_id: None,
        };
        Some(match self.store.send_message_unflushed(&message) {
            Ok(Some(_)) => Reply::Scheduled,
            Ok(None) => {
                Reply::NotRunnable(format!("The activity {} does not exist.", inv.resource.arn))
            }
            Err(e) => Reply::NotRunnable(format!("cannot schedule the activity task: {e}")),
        })
    }
}
