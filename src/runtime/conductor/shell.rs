//! The Conductor decider as the runtime shell (`runtime::durable`) drives it: due deadlines,
//! claimed effects, and callbacks on the task tokens of WAIT and HUMAN tasks.

use super::Conductor;
use super::tokens::Answer;
use crate::engine::CallbackOutcome;
use crate::runtime::decider::{Decider, Error, Result, timed_out};
use crate::store::{OutboxRecord, TimerRecord, TokenRecord};
use std::sync::Arc;

impl Decider for Arc<Conductor> {
    fn fire(&mut self, timers: &[TimerRecord]) -> Result<()> {
        for t in timers {
            Conductor::fire(self, &t.execution_arn)?;
        }
        Ok(())
    }

    fn deliver(&mut self, entries: &[OutboxRecord]) -> Result<()> {
        Ok(self.perform_claimed(entries)?)
    }

    fn answer(&mut self, token: &TokenRecord, outcome: CallbackOutcome) -> Result<()> {
        let answer = match outcome {
            CallbackOutcome::Success(v) => Answer::Success(v),
            CallbackOutcome::Failure { error, cause } => Answer::Failure { error, cause },
        };
        match Conductor::answer(
            self,
            &token.execution_arn,
            &token.state_name,
            &token.token,
            &answer,
        ) {
            Ok(true) => {
                // What follows is performed by the process that drives Conductor effects.
                self.wake.notify();
                Ok(())
            }
            Ok(false) => Err(timed_out()),
            Err(e) => Err(Error::Corrupt(e.message)),
        }
    }

    fn heartbeat(&mut self, token: &TokenRecord) -> Result<()> {
        match self.awaits_token(&token.execution_arn, &token.state_name, &token.token) {
            true => Ok(()),
            false => Err(timed_out()),
        }
    }
}
