//! Schemas of their own on one server: each test, benchmark or team keeps its tables apart
//! by pointing the URL's `search_path` at a schema (`options=-csearch_path%3DNAME`), which
//! `create` makes and `drop` removes with everything in it.

use tokio_postgres::Config;

use super::pool::{Checkout, Pool, block_on};
use super::{describe, describe_config};

/// `url` with its connections' `search_path` set to `schema`.
pub fn url_with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// Creates the schema `name` on the server `url` names; returns the URL of the schema.
pub fn create(url: &str, name: &str) -> Result<String, String> {
    run(url, &format!("CREATE SCHEMA {}", identifier(name)?))?;
    Ok(url_with_schema(url, name))
}

/// Drops the schema `name` and everything in it, if it exists.
pub fn drop(url: &str, name: &str) -> Result<(), String> {
    run(
        url,
        &format!("DROP SCHEMA IF EXISTS {} CASCADE", identifier(name)?),
    )
}

/// A schema name used unquoted: letters, digits and `_`, not starting with a digit.
fn identifier(name: &str) -> Result<&str, String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "'{name}' is not a schema name stepwise uses: letters, digits and _"
        ))
    }
}

fn run(url: &str, sql: &str) -> Result<(), String> {
    let config: Config = url.parse().map_err(|e| {
        format!(
            "cannot read the PostgreSQL URL {}: {e}",
            super::without_password(url)
        )
    })?;
    let shown = describe_config(&config);
    let pool = Pool::new(config).map_err(|e| format!("cannot start the PostgreSQL client: {e}"))?;
    let db = pool.get().map_err(|e| match e {
        Checkout::Connect(e) => format!("cannot connect to {shown}: {}", describe(&e)),
        Checkout::Exhausted => format!("no connection to {shown}"),
        Checkout::Io(m) => m,
    })?;
    block_on(db.batch(sql)).map_err(|e| format!("{shown}: {sql}: {}", describe(&e)))
}
