//! Where the database is, and opening it for a subcommand. `--db` takes a file path or a URL:
//! a path or `sqlite:PATH` is an SQLite file; any other URL is refused with what stepwise can
//! open (a `postgres://` URL is never taken for a file named `postgres:`).

use crate::store::{SqliteStore, Store};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// `--db PATH`, else `STEPWISE_DB` (clap reads it into the flag), else
/// `$XDG_DATA_HOME/stepwise/stepwise.db`, else `~/.local/share/stepwise/stepwise.db`.
/// `Err`: a URL stepwise cannot open, and why.
pub fn path(db: Option<&str>) -> Result<PathBuf, String> {
    match db {
        Some(given) => file_of(given),
        None => Ok(default_path()),
    }
}

/// The SQLite file `--db` names: a path, or `sqlite:PATH` / `sqlite://PATH`.
fn file_of(given: &str) -> Result<PathBuf, String> {
    if let Some(rest) = given.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err(format!(
                "--db {given}: the sqlite: URL names no file; write sqlite:PATH"
            ));
        }
        return Ok(PathBuf::from(path));
    }
    match url_scheme(given) {
        Some(scheme @ ("postgres" | "postgresql")) => Err(format!(
            "--db {given}: this build of stepwise cannot open {scheme}:// databases yet (the PostgreSQL store is not built); use an SQLite file: --db PATH or --db sqlite:PATH"
        )),
        Some(scheme) => Err(format!(
            "--db {given}: stepwise does not know the database URL scheme '{scheme}://'; give a file path or sqlite:PATH"
        )),
        None => Ok(PathBuf::from(given)),
    }
}

/// The scheme of `SCHEME://...` (letters, digits, `+`, `-`, `.`, starting with a letter).
fn url_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

fn default_path() -> PathBuf {
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
    /// The database: a file path or sqlite:PATH (default: STEPWISE_DB, else the per-user
    /// default location).
    #[arg(long = "db", env = "STEPWISE_DB", global = true)]
    pub path: Option<String>,
}

impl Db {
    /// The resolved path and the opened store; an unusable file or URL is a usage error
    /// (exit 2).
    pub fn open(&self) -> Result<(PathBuf, Arc<dyn Store>), std::process::ExitCode> {
        let path = path(self.path.as_deref()).map_err(super::report::usage)?;
        let store = open(&path).map_err(super::report::usage)?;
        Ok((path, store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sqlite_urls_are_files_other_urls_say_why() {
        assert_eq!(file_of("data/x.db").unwrap(), PathBuf::from("data/x.db"));
        assert_eq!(
            file_of("sqlite:data/x.db").unwrap(),
            PathBuf::from("data/x.db")
        );
        assert_eq!(
            file_of("sqlite:///tmp/x.db").unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        assert_eq!(file_of("C:/x.db").unwrap(), PathBuf::from("C:/x.db"));
        let pg = file_of("postgres://me@127.0.0.1:5432/test").unwrap_err();
        assert!(pg.contains("cannot open postgres:// databases"), "{pg}");
        assert!(file_of("postgresql://h/db").is_err());
        let other = file_of("mysql://h/db").unwrap_err();
        assert!(other.contains("'mysql://'"), "{other}");
        assert!(file_of("sqlite:").is_err());
    }
}
