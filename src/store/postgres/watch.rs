//! Wake-ups across nodes: every write transaction ends with `pg_notify` on one channel, with the
//! schema as payload (PostgreSQL delivers it on commit, to every listening connection of the
//! database); `watch` keeps one `LISTEN` connection per store on the io runtime and calls the
//! subscriber for each notification of its own schema. So a callback answered on node A wakes
//! node B's driver and long polls within a round trip, and polling remains a safety net.

use std::sync::Arc;
use std::time::Duration;

use super::tls::Connector;
use tokio_postgres::AsyncMessage;

use super::{Fail, PostgresStore};
use crate::store::{Changes, Result};

const CHANNEL: &str = "stepwise";
/// Tells the listening nodes, when its transaction commits.
pub(super) const NOTIFY: &str = "SELECT pg_notify('stepwise', current_schema())";
/// Ends a write transaction that leaves work: one round trip for both.
pub(super) const NOTIFY_AND_COMMIT: &str = "SELECT pg_notify('stepwise', current_schema()); COMMIT";
/// How long to wait before listening again after the connection was lost.
const RECONNECT: Duration = Duration::from_secs(1);

impl Changes for PostgresStore {
    fn watch(&self, changed: Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        let schema: String = self.read(async |db| {
            let row = db.query_one("SELECT current_schema()::text", &[]).await?;
            Ok::<_, Fail>(row.try_get(0)?)
        })?;
        let config = self.pool.config().clone();
        let tls = self.pool.tls().clone();
        let shown = self.shown.clone();
        self.pool.spawn(async move {
            let mut said = false;
            loop {
                match listen(&config, tls.clone(), &schema, &*changed).await {
                    Ok(()) => said = false,
                    Err(e) if !said => {
                        tracing::warn!(
                            "cannot listen for other nodes' work on {shown}: {}; polling until it is back",
                            super::describe(&e)
                        );
                        said = true;
                    }
                    Err(_) => {}
                }
                // Work committed while nobody listened is looked at now.
                changed();
                tokio::time::sleep(RECONNECT).await;
            }
        });
        Ok(())
    }
}

/// Listens until the connection ends.
async fn listen(
    config: &tokio_postgres::Config,
    tls: Connector,
    schema: &str,
    changed: &(dyn Fn() + Send + Sync),
) -> std::result::Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls).await?;
    let (listening, mut messages) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if listening.send(n.payload().to_string()).is_err() {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Anything committed before LISTEN took effect is looked at now.
    changed();
    while let Some(payload) = messages.recv().await {
        if payload == schema {
            changed();
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}
