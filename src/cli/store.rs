//! Where the database is, and opening it for a subcommand. `--db` takes a file path or a URL:
//! a path or `sqlite:PATH` is an SQLite file, `postgres://` or `postgresql://` a PostgreSQL
//! database; any other URL is refused with what stepwise can open (a URL is never taken for a
//! file named after its scheme).

use crate::store::redact::without_password;
use crate::store::{SqliteStore, Store};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// The URL as given (it may hold a password: show it with `Display`).
    Postgres(String),
}

impl Location {
    /// What `STEPWISE_DB` must hold for another stepwise process (a local command answering a
    /// task token) to open the same database.
    pub fn as_env(&self) -> String {
        match self {
            Location::Sqlite(path) => path.to_string_lossy().into_owned(),
            Location::Postgres(url) => url.clone(),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `--db PATH|URL`, else `STEPWISE_DB` (clap reads it into the flag), else
/// `$XDG_DATA_HOME/stepwise/stepwise.db`, else `~/.local/share/stepwise/stepwise.db`.
/// `Err`: a URL stepwise cannot open, and why.
pub fn location(db: Option<&str>) -> Result<Location, String> {
    match db {
        Some(given) => location_of(given),
        None => Ok(Location::Sqlite(default_path())),
    }
}

/// The database `--db` names: a path, `sqlite:PATH` / `sqlite://PATH`, or a PostgreSQL URL.
fn location_of(given: &str) -> Result<Location, String> {
    if let Some(rest) = given.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() {
            return Err(format!(
                "--db {given}: the sqlite: URL names no file; write sqlite:PATH"
            ));
        }
        return Ok(Location::Sqlite(PathBuf::from(path)));
    }
    match url_scheme(given) {
        Some("postgres" | "postgresql") => Ok(Location::Postgres(given.to_string())),
        Some(scheme) => Err(format!(
            "--db {}: stepwise does not know the database URL scheme '{scheme}://'; give a file path, sqlite:PATH or postgres://USER@HOST:PORT/DATABASE",
            without_password(given)
        )),
        None => Ok(Location::Sqlite(PathBuf::from(given))),
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

/// Opens the database; an SQLite file another user owns is refused unless `other_owner` (its
/// rows hold the commands and environment that run the Task states of its executions: opening
/// it would run another user's commands as this one).
pub fn open(location: &Location, other_owner: bool) -> Result<Arc<dyn Store>, String> {
    if let Location::Sqlite(path) = location
        && !other_owner
    {
        check_owner(path)?;
    }
    let opened = match location {
        Location::Sqlite(path) => SqliteStore::open(path).map(|s| Arc::new(s) as Arc<dyn Store>),
        #[cfg(feature = "postgres")]
        Location::Postgres(url) => {
            crate::store::PostgresStore::open(url).map(|s| Arc::new(s) as Arc<dyn Store>)
        }
        #[cfg(not(feature = "postgres"))]
        Location::Postgres(url) => {
            return Err(format!(
                "--db {}: this stepwise was built without its `postgres` feature: install a build with it (`cargo install stepwise` builds it by default), or use an SQLite file",
                without_password(url)
            ));
        }
    };
    opened.map_err(|e| e.to_string())
}

/// `Err` when the existing file at `path` belongs to another user than this process's.
fn check_owner(path: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(file) = std::fs::metadata(path) else {
        return Ok(()); // created by this process, as its own
    };
    // The owner of /proc/self is this process's effective user.
    let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return Ok(());
    };
    owner_problem(path, file.uid(), me).map_or(Ok(()), Err)
}

fn owner_problem(path: &std::path::Path, owner: u32, me: u32) -> Option<String> {
    (owner != me).then(|| {
        format!(
            "{} belongs to user {owner}, not to you (user {me}): the commands stored with its executions would run as you. Pass --allow-other-owner (or set STEPWISE_ALLOW_OTHER_OWNER=1) if you trust it",
            path.display()
        )
    })
}

/// The AWS-shaped history of an execution.
pub fn history_json(store: &dyn Store, arn: &str) -> Result<Vec<Value>, String> {
    let rows = store.history(arn, 0, 0).map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect())
}

/// `--db PATH|URL` (or `STEPWISE_DB`), shared by every subcommand that uses the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Db {
    /// The database: a file path or sqlite:PATH, or postgres://USER@HOST:PORT/DATABASE
    /// (default: STEPWISE_DB, else the per-user default location).
    #[arg(long = "db", env = "STEPWISE_DB", global = true)]
    pub path: Option<String>,
    /// Open an SQLite file that belongs to another user (refused by default: the commands
    /// stored with its executions would run as you).
    #[arg(long, env = "STEPWISE_ALLOW_OTHER_OWNER", global = true,
          value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_other_owner: bool,
}

impl Db {
    /// Where the database is, and the opened store; an unusable file or URL is a usage error
    /// (exit 2).
    pub fn open(&self) -> Result<(Location, Arc<dyn Store>), std::process::ExitCode> {
        let location = location(self.path.as_deref()).map_err(super::report::usage)?;
        let store = open(&location, self.allow_other_owner).map_err(super::report::usage)?;
        Ok((location, store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sqlite_urls_are_files_postgres_urls_databases_other_urls_say_why() {
        let file = |p: &str| Location::Sqlite(PathBuf::from(p));
        assert_eq!(location_of("data/x.db").unwrap(), file("data/x.db"));
        assert_eq!(location_of("sqlite:data/x.db").unwrap(), file("data/x.db"));
        assert_eq!(
            location_of("sqlite:///tmp/x.db").unwrap(),
            file("/tmp/x.db")
        );
        assert_eq!(location_of("C:/x.db").unwrap(), file("C:/x.db"));
        let pg = "postgres://me:pw@127.0.0.1:5432/test";
        assert_eq!(location_of(pg).unwrap(), Location::Postgres(pg.into()));
        assert_eq!(
            location_of(pg).unwrap().to_string(),
            "postgres://me:***@127.0.0.1:5432/test"
        );
        assert_eq!(location_of(pg).unwrap().as_env(), pg);
        assert!(matches!(
            location_of("postgresql://h/db"),
            Ok(Location::Postgres(_))
        ));
        let other = location_of("mysql://u:secret@h/db").unwrap_err();
        assert!(
            other.contains("'mysql://'") && !other.contains("secret"),
            "{other}"
        );
        assert!(location_of("sqlite:").is_err());
    }

    #[test]
    fn a_file_of_another_user_is_refused_with_the_way_out() {
        let path = std::path::Path::new("/srv/shared.db");
        assert_eq!(owner_problem(path, 1000, 1000), None);
        let refused = owner_problem(path, 1001, 1000).expect("refused");
        assert!(
            refused.contains("/srv/shared.db belongs to user 1001")
                && refused.contains("--allow-other-owner"),
            "{refused}"
        );
    }
}
