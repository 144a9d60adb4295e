//! Logs, to stderr: what `RUST_LOG` asks for (e.g. `RUST_LOG=debug`,
//! `RUST_LOG=stepwise=debug,aws_smithy_runtime=debug`), else `--log-level` where a command has
//! it (`serve`), else warnings only, so that commands which print results keep stdout and
//! stderr as they were. `--log-format json` writes one JSON object per line.

use tracing_subscriber::EnvFilter;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the subscriber; `level` is the default when `RUST_LOG` is not set.
pub fn init(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    // A second call (tests calling `main` twice) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
