//! Statuses in SQLite columns: stored by name (`RUNNING`, ...), so the file stays readable with
//! the `sqlite3` shell; a name this version does not know is an error that says so.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::store::{ExecutionStatus, WorkflowStatus};

macro_rules! status_column {
    ($ty:ident) => {
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.name()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let name = value.as_str()?;
                $ty::parse(name).ok_or_else(|| {
                    FromSqlError::Other(
                        format!(
                            "unknown {} '{name}' (written by a newer stepwise? upgrade it)",
                            stringify!($ty)
                        )
                        .into(),
                    )
                })
            }
        }
    };
}

status_column!(ExecutionStatus);
status_column!(WorkflowStatus);
