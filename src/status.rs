//! The statuses of what stepwise runs: an ASL execution ([`ExecutionStatus`]), a Conductor
//! workflow ([`WorkflowStatus`]), a Conductor task ([`TaskStatus`]) and an event handler's
//! action on one message ([`EventStatus`]). Every layer passes these enums; their names (`RUNNING`,
//! `SUCCEEDED`, ...) appear only at the edges: the APIs, the CLI's output and the store's
//! columns. This module imports nothing, so the store, the engine and the Conductor decider can
//! all use it.

use serde::{Deserialize, Serialize};

/// An enum whose variants have one spelling each, shared by `name`, `parse`, `ALL` and serde.
macro_rules! named_enum {
    ($(#[$meta:meta])* $ty:ident { $($(#[$vmeta:meta])* $variant:ident = $name:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $ty {
            $($(#[$vmeta])* #[serde(rename = $name)] $variant,)+
        }

        impl $ty {
            /// Every status, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The status's name as AWS or Conductor spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// From its name; anything else is `None`.
            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }

            /// The names, comma-separated, as validation messages list them.
            pub fn names() -> String {
                Self::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_enum! {
    /// An ASL execution's status, as `DescribeExecution` and `ListExecutions` name it.
    ExecutionStatus {
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
        Aborted = "ABORTED",
        /// A filter value of `ListExecutions` (an execution that may be redriven); no execution
        /// of stepwise is ever stored in it.
        PendingRedrive = "PENDING_REDRIVE",
    }
}

impl ExecutionStatus {
    pub fn is_terminal(self) -> bool {
        self != ExecutionStatus::Running
    }
}

named_enum! {
    /// A Conductor workflow's status.
    WorkflowStatus {
        Running = "RUNNING",
        Completed = "COMPLETED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
        Terminated = "TERMINATED",
        Paused = "PAUSED",
    }
}

impl WorkflowStatus {
    pub fn is_terminal(self) -> bool {
        !matches!(self, WorkflowStatus::Running | WorkflowStatus::Paused)
    }
}

named_enum! {
    /// What became of one action of a Conductor event handler for one message (Conductor's
    /// `EventExecution.Status`).
    EventStatus {
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        Failed = "FAILED",
        Skipped = "SKIPPED",
    }
}

named_enum! {
    /// A Conductor task's status.
    TaskStatus {
        Scheduled = "SCHEDULED",
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        CompletedWithErrors = "COMPLETED_WITH_ERRORS",
        Failed = "FAILED",
        FailedWithTerminalError = "FAILED_WITH_TERMINAL_ERROR",
        TimedOut = "TIMED_OUT",
        Canceled = "CANCELED",
        Skipped = "SKIPPED",
    }
}

impl TaskStatus {
    /// What a worker, the REST API or an event handler may set.
    pub fn parse_result(s: &str) -> Option<TaskStatus> {
        TaskStatus::parse(s).filter(|t| {
            matches!(
                t,
                TaskStatus::InProgress
                    | TaskStatus::Completed
                    | TaskStatus::Failed
                    | TaskStatus::FailedWithTerminalError
                    | TaskStatus::Canceled
            )
        })
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, TaskStatus::Scheduled | TaskStatus::InProgress)
    }

    pub fn is_successful(self) -> bool {
        !matches!(
            self,
            TaskStatus::Failed
                | TaskStatus::FailedWithTerminalError
                | TaskStatus::TimedOut
                | TaskStatus::Canceled
        )
    }

    pub fn is_retriable(self) -> bool {
        !matches!(
            self,
            TaskStatus::FailedWithTerminalError | TaskStatus::Canceled | TaskStatus::Skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_serialize_as_names() {
        for s in ExecutionStatus::ALL {
            assert_eq!(ExecutionStatus::parse(s.name()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
        for s in WorkflowStatus::ALL {
            assert_eq!(WorkflowStatus::parse(s.name()), Some(*s));
        }
        assert_eq!(ExecutionStatus::parse("running"), None);
        assert_eq!(
            ExecutionStatus::names(),
            "RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE"
        );
    }
}
