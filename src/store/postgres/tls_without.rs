//! PostgreSQL connections in a build without the `postgres-tls` feature: never encrypted.
//! `sslmode=prefer` (the default) connects in the clear, as libpq does with a server that offers
//! no TLS; `sslmode=require` is refused up front, saying what to do.

use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;

/// What connections encrypt with: nothing.
pub(super) type Connector = NoTls;

pub(super) fn connector(config: &tokio_postgres::Config) -> Result<Connector, String> {
    if config.get_ssl_mode() == SslMode::Require {
        return Err("sslmode=require needs TLS, and this stepwise was built without its `postgres-tls` feature: install a build with it (`cargo install stepwise` builds it by default), or use sslmode=disable or prefer".into());
    }
    Ok(NoTls)
}
