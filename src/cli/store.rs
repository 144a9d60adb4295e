//! Where the database is, and opening it for a subcommand.

use crate::store::{SqliteStore, Store};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// `--db PATH`, else `STEPWISE_DB` (clap reads it into the flag), else
/// `$XDG_DATA_HOME/stepwise/stepwise.db`, else `~/.local/share/stepwise/stepwise.db`.
pub fn path(db: Option<&str>) -> PathBuf {
    if let Some(p) = db {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    base.unwrap_or_else(|| PathBuf::from("."))
        .join("stepwise")
        .join("stepwise.db")
}

pub fn open(path: &std::path::Path) -> Result<Arc<dyn Store>, String> {
    SqliteStore::open(path)
        .map(|s| Arc::new(s) as Arc<dyn Store>)
        .map_err(|e| e.to_string())
}

/// The AWS-shaped history of an execution.
pub fn history_json(store: &dyn Store, arn: &str) -> Result<Vec<Value>, String> {
    let rows = store.history(arn, 0, 0).map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect())
}

/// `--db PATH` (or `STEPWISE_DB`), shared by every subcommand that uses the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Db {
    /// The database file (default: STEPWISE_DB, else the per-user default location).
    #[arg(long = "db", env = "STEPWISE_DB", global = true)]
    pub path: Option<String>,
}

impl Db {
    /// The resolved path and the opened store; an unusable file is a usage error (exit 2).
    pub fn open(&self) -> Result<(PathBuf, Arc<dyn Store>), std::process::ExitCode> {
        let path = path(self.path.as_deref());
        let store = open(&path).map_err(super::report::usage)?;
        Ok((path, store))
    }
}
