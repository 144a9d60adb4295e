//! Who holds an outbox lease: this process, named so that another process on the same machine
//! can tell whether the holder still runs (after `kill -9`, its effects need not wait for the
//! lease to end) — or by the node id the operator gave (`stepwise serve --node-id`).
#![allow(clippy::disallowed_methods)] // an edge: reads the host name and /proc

use std::sync::OnceLock;

static NODE_ID: OnceLock<String> = OnceLock::new();

/// Names this process in lease rows and logs from now on (`stepwise serve --node-id`). A node
/// named so is not recognised as dead by `is_dead`: its leases run out instead. `Err`: it was
/// named already.
pub fn set_node_id(id: &str) -> Result<(), String> {
    NODE_ID
        .set(id.to_string())
        .map_err(|already| format!("this process is already node {already}"))
}

/// The node id if one was set, else `pid:<pid>@<host>`, unique among the live processes of one
/// machine.
pub fn owner_id() -> String {
    owner_from(NODE_ID.get().map(String::as_str))
}

fn owner_from(node: Option<&str>) -> String {
    match node {
        Some(id) => id.to_string(),
        None => format!("pid:{}@{}", std::process::id(), host()),
    }
}

/// False only when `owner` names a process of this machine that no longer exists. Anything
/// unknown (another host, another format, no `/proc`) counts as alive: its leases then simply
/// run out, as before.
pub fn is_dead(owner: &str) -> bool {
    let Some((pid, owner_host)) = owner
        .strip_prefix("pid:")
        .and_then(|rest| rest.split_once('@'))
    else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if owner_host != host() || pid == std::process::id() {
        return false;
    }
    let proc = std::path::Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_node_leases_under_its_name_else_under_its_pid() {
        assert_eq!(owner_from(Some("node-a")), "node-a");
        let unnamed = owner_from(None);
        assert!(
            unnamed.starts_with(&format!("pid:{}@", std::process::id())),
            "{unnamed}"
        );
    }

    #[test]
    fn this_process_is_alive_and_a_finished_child_is_dead() {
        assert!(!is_dead(&owner_id()));
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("true runs");
        let pid = child.id();
        child.wait().expect("it ends");
        let owner = format!("pid:{pid}@{}", host());
        if std::path::Path::new("/proc/self").exists() {
            assert!(is_dead(&owner), "{owner}");
        }
        assert!(!is_dead("pid:1@another-host"));
        assert!(!is_dead("something else"));
    }
}
