//! Runs one local command within bounds: by a deadline its whole process group is killed (a
//! `sh -c 'sleep 30'` leaves `sleep` behind if only the shell goes), and what it prints is
//! capped. Both pipes are read on threads of their own while it runs, so a command that writes
//! much to stderr before reading its stdin cannot deadlock with us.
#![allow(clippy::disallowed_methods)] // an edge: waits for a child process by the clock

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The process groups of the commands running now, so that they end with this process: in
/// groups of their own, they no longer get the terminal's Ctrl-C.
static RUNNING: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Set by [`shutdown`]: this process is exiting.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Kills every running command's process group, for a process about to exit. The commands'
/// runs never return (their threads wait for the exit): a command killed this way is not a
/// task failure, and a durable effect is performed again after the next start, as after a
/// crash.
pub fn shutdown() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    let groups = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    for &g in groups.iter() {
        kill(Pid::from_raw(g));
    }
}

/// On Ctrl-C, SIGTERM or SIGHUP, [`shutdown`] and exit as the signal would have (130, 143,
/// 129), instead of leaving running commands behind. For `run` and `test`; `serve` has its
/// own shutdown.
pub fn shutdown_on_signals() {
    std::thread::spawn(|| {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        let code = rt.block_on(async {
            let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
                _ = hup.recv() => 129,
            }
        });
        shutdown();
        std::process::exit(code);
    });
}

/// How long a run may take and how much it may print.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// When the process group is killed if the command has not finished (exited with both
    /// pipes closed) by then.
    pub deadline: Instant,
    /// More stdout than this is a failure: the command is killed at once.
    pub stdout_cap: usize,
    /// How much of the end of stderr is kept (for the failure's cause).
    pub stderr_tail: usize,
}

/// A command that ran to its end within the limits.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The last `Limits::stderr_tail` bytes of stderr.
    pub stderr: Vec<u8>,
}

/// Why a command did not run to its end.
#[derive(Debug)]
pub enum Stopped {
    /// It could not be started (no shell, bad directory).
    Spawn(std::io::Error),
    /// The deadline came first; its process group was killed.
    TimedOut { stderr: Vec<u8> },
    /// It printed more than `Limits::stdout_cap` bytes; its process group was killed.
    TooMuchOutput { stderr: Vec<u8> },
}

/// A bound that is none in practice (a century): longer durations (a timeout read from a
/// database) are cut to it, so that adding them to the clock cannot overflow.
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 86_400);

/// After a kill, how long the pipes may take to close: a process that left the group (`setsid`)
/// can hold them open, and is then abandoned with its reader threads.
const AFTER_KILL: Duration = Duration::from_secs(2);

enum Msg {
    Exited(ExitStatus),
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    StdoutOverflow,
}

/// Runs `cmd` (its stdio is replaced by pipes) with `input` on stdin, within `limits`.
pub fn run(mut cmd: Command, input: Vec<u8>, limits: Limits) -> Result<Ran, Stopped> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(Stopped::Spawn)?;
    let group = Pid::from_raw(child.id() as i32);
    let running = Running::register(group);
    if SHUTTING_DOWN.load(Ordering::SeqCst) {
        kill(group);
    }
    let (tx, rx) = mpsc::channel();
    if let Some(mut stdin) = child.stdin.take() {
        // Not joined: it ends when the command reads all or closes its stdin (or dies).
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || read_capped(out, limits.stdout_cap, tx));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || read_tail(err, limits.stderr_tail, tx));
    }
    std::thread::spawn(move || {
        if let Ok(status) = child.wait() {
            let _ = tx.send(Msg::Exited(status));
        }
    });
    let ran = collect(&rx, group, limits.deadline);
    drop(running);
    if SHUTTING_DOWN.load(Ordering::SeqCst) {
        // Killed for the exit: report nothing; the process ends soon.
        loop {
            std::thread::park();
        }
    }
    ran
}

/// A group in [`RUNNING`] until dropped.
struct Running(i32);

impl Running {
    fn register(group: Pid) -> Running {
        let g = group.as_raw();
        RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(g);
        Running(g)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.0);
    }
}

/// Waits for the exit and both pipes' ends, killing the group at the deadline or on overflow.
fn collect(rx: &mpsc::Receiver<Msg>, group: Pid, deadline: Instant) -> Result<Ran, Stopped> {
    let (mut status, mut stdout, mut stderr) = (None, None, None);
    let mut killed: Option<(bool, Instant)> = None; // (overflow, give up at)
    while status.is_none() || stdout.is_none() || stderr.is_none() {
        let until = killed.map_or(deadline, |(_, at)| at);
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Msg::Exited(s)) => status = Some(s),
            Ok(Msg::Stdout(b)) => stdout = Some(b),
            Ok(Msg::Stderr(b)) => stderr = Some(b),
            Ok(Msg::StdoutOverflow) if killed.is_none() => {
                kill(group);
                killed = Some((true, Instant::now() + AFTER_KILL));
            }
            Ok(Msg::StdoutOverflow) => {}
            Err(RecvTimeoutError::Timeout) if killed.is_none() => {
                kill(group);
                killed = Some((false, Instant::now() + AFTER_KILL));
            }
            Err(_) => break,
        }
    }
    let stderr = stderr.unwrap_or_default();
    match (killed, status, stdout) {
        (Some((true, _)), ..) => Err(Stopped::TooMuchOutput { stderr }),
        (None, Some(status), Some(stdout)) => Ok(Ran {
            status,
            stdout,
            stderr,
        }),
        _ => Err(Stopped::TimedOut { stderr }),
    }
}

/// SIGKILL to the whole group; it may be gone already.
fn kill(group: Pid) {
    let _ = killpg(group, Signal::SIGKILL);
}

/// Reads stdout to its end, keeping at most `cap` bytes (and saying when there was more).
fn read_capped(mut r: impl Read, cap: usize, tx: Sender<Msg>) {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut over = false;
    while let Ok(n @ 1..) = r.read(&mut buf) {
        if kept.len() + n > cap {
            if !over {
                over = true;
                let _ = tx.send(Msg::StdoutOverflow);
            }
            continue;
        }
        kept.extend_from_slice(&buf[..n]);
    }
    let _ = tx.send(Msg::Stdout(kept));
}

/// Reads stderr to its end, keeping its last `keep` bytes.
fn read_tail(mut r: impl Read, keep: usize, tx: Sender<Msg>) {
    let mut kept = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n @ 1..) = r.read(&mut buf) {
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * keep {
            kept.drain(..kept.len() - keep);
        }
    }
    if kept.len() > keep {
        kept.drain(..kept.len() - keep);
    }
    let _ = tx.send(Msg::Stderr(kept));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    fn limits(secs: f64) -> Limits {
        Limits {
            deadline: Instant::now() + Duration::from_secs_f64(secs),
            stdout_cap: 1024,
            stderr_tail: 64,
        }
    }

    #[test]
    fn output_and_status_come_back() {
        let ran = run(
            sh("cat; echo oops >&2; exit 3"),
            b"{}".to_vec(),
            limits(10.0),
        )
        .unwrap();
        assert_eq!(ran.stdout, b"{}");
        assert_eq!(ran.stderr, b"oops\n");
        assert_eq!(ran.status.code(), Some(3));
    }

    /// Whether `pid` runs (a zombie nobody reaped does not).
    fn alive(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.starts_with(" Z")))
    }

    #[test]
    fn the_deadline_kills_the_whole_group() {
        let started = Instant::now();
        // The shell and the `sleep` it forked: both must die.
        let script = "sleep 30 & echo $$ $! >&2; wait; echo done";
        let stderr = match run(sh(script), Vec::new(), limits(0.5)) {
            Err(Stopped::TimedOut { stderr }) => String::from_utf8(stderr).unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(started.elapsed() < Duration::from_secs(5));
        let pids: Vec<&str> = stderr.split_whitespace().collect();
        assert_eq!(pids.len(), 2, "{stderr}");
        // The group was sent SIGKILL; the kernel may take a moment to end its processes.
        let deadline = Instant::now() + Duration::from_secs(5);
        while pids.iter().any(|pid| alive(pid)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        for pid in pids {
            assert!(!alive(pid), "process {pid} still runs");
        }
    }

    #[test]
    fn too_much_stdout_stops_the_command_and_stderr_keeps_its_end() {
        let script = "yes 0123456789abcdef | head -c 10000000; yes e | head -c 100 >&2; sleep 30";
        let started = Instant::now();
        match run(sh(script), Vec::new(), limits(20.0)) {
            Err(Stopped::TooMuchOutput { stderr }) => assert!(stderr.len() <= 64),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_chatty_stderr_does_not_block_a_large_stdin() {
        let script = "yes err | head -c 1000000 >&2; wc -c";
        let ran = run(sh(script), vec![b' '; 1_000_000], limits(20.0)).unwrap();
        assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "1000000");
        assert_eq!(ran.stderr, "err\n".repeat(16).as_bytes());
    }
}
