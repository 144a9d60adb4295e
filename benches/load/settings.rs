//! The command line of `scripts/load` (this bench's arguments): how long, on which database,
//! and the offered load of each client kind.

use std::time::Duration;

pub const USAGE: &str = "\
usage: scripts/load [DURATION] [options]

Starts `stepwise serve` (release build) on a free port and a fresh SQLite file in a scratch
directory (or a fresh schema of a PostgreSQL database), drives it with concurrent clients for
DURATION (default 60s; e.g. 30s, 10m, 1h), stops it by its PID and reports throughput, p50/p99
latency per operation, errors (intended vs. unintended), executions started vs. finished with
the expected status, and the server's RSS over time with a verdict. Exits 1 on an unintended
error, a stuck execution or RSS growth beyond the threshold, 2 on bad arguments. scripts/load
first builds the release binary and this bench into $CARGO_TARGET_DIR (default
~/.cache/stepwise/rtarget). E.g. scripts/load 10m, or on PostgreSQL
scripts/load 2m --db postgres://postgres@127.0.0.1:5432/test

The workload (rates are per second):
  --wait-rate N       executions of a Map of Wait states (1-5 s each)           [200]
  --waits N           Wait states (Map iterations) per such execution            [5]
  --callback-rate N   executions whose Task sends $$.Task.Token to an SQS queue
                      (sqs:sendMessage.waitForTaskToken); a client receives it,
                      sends SendTaskSuccess and deletes the message              [20]
  --timeout-rate N    the same with TimeoutSeconds 2, answered 4 s late: the
                      execution must fail with States.Timeout and the answer
                      get TaskTimedOut (intended errors)                         [1]
  --activity-rate N   activity executions; workers GetActivityTask,
                      SendTaskHeartbeat, SendTaskSuccess                         [10]
  --sqs-rate N        plain SQS SendMessage; a consumer receives and deletes     [50]
  --read-rate N       rounds of DescribeExecution + every GetExecutionHistory
                      page + two reverseOrder pages of a recent execution        [20]
Options:
  --db URL            postgres://... : run on a fresh schema of that database
  --retention D       the server's --retention (ended executions deleted)        [2m]
  --every D           report interval                                            [15s]
  --keep              keep the scratch directory (database, serve.log); it is kept
                      anyway when the run fails
  -h, --help          this text";

pub struct Settings {
    pub duration: Duration,
    pub every: Duration,
    pub db: Option<String>,
    pub retention: String,
    pub keep: bool,
    pub wait_rate: f64,
    pub waits: usize,
    pub callback_rate: f64,
    pub timeout_rate: f64,
    pub activity_rate: f64,
    pub sqs_rate: f64,
    pub read_rate: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            duration: Duration::from_secs(60),
            every: Duration::from_secs(15),
            db: None,
            retention: "2m".into(),
            keep: false,
            wait_rate: 200.0,
            waits: 5,
            callback_rate: 20.0,
            timeout_rate: 1.0,
            activity_rate: 10.0,
            sqs_rate: 50.0,
            read_rate: 20.0,
        }
    }
}

/// `None` for `--help`; an error says what was wrong.
pub fn parse(args: &[String]) -> Result<Option<Settings>, String> {
    let mut s = Settings::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            // cargo bench passes --bench to a harness-less bench.
            "--bench" => {}
            "--keep" => s.keep = true,
            "--db" => s.db = Some(value()?),
            "--retention" => s.retention = value()?,
            "--every" => s.every = duration(&value()?)?,
            "--wait-rate" => s.wait_rate = number(&value()?)?,
            "--waits" => s.waits = number(&value()?)? as usize,
            "--callback-rate" => s.callback_rate = number(&value()?)?,
            "--timeout-rate" => s.timeout_rate = number(&value()?)?,
            "--activity-rate" => s.activity_rate = number(&value()?)?,
            "--sqs-rate" => s.sqs_rate = number(&value()?)?,
            "--read-rate" => s.read_rate = number(&value()?)?,
            d if !d.starts_with('-') => s.duration = duration(d)?,
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    Ok(Some(s))
}

/// `90`, `90s`, `10m`, `1h`.
fn duration(text: &str) -> Result<Duration, String> {
    let wrong = || format!("'{text}' is not a duration: e.g. 30s, 10m or 1h");
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number.parse().map_err(|_| wrong())?;
    let seconds = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        _ => return Err(wrong()),
    };
    (seconds > 0)
        .then(|| Duration::from_secs(seconds))
        .ok_or_else(wrong)
}

fn number(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|n| *n >= 0.0 && n.is_finite())
        .ok_or(format!("'{text}' is not a rate (a number ≥ 0)"))
}

impl std::fmt::Display for Settings {
    /// The workload in one line, for the report.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} s; per second: {} Map-of-Wait executions × {} Waits, {} SQS-token callbacks, \
             {} timing-out callbacks, {} activities, {} plain SQS messages, {} read rounds",
            self.duration.as_secs(),
            self.wait_rate,
            self.waits,
            self.callback_rate,
            self.timeout_rate,
            self.activity_rate,
            self.sqs_rate,
            self.read_rate
        )
    }
}
