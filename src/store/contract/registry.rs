//! The resource registry's part of the contract.

use crate::store::Store;
use crate::store::registry::ResourceRecord;

fn machine(name: &str, body: &str) -> ResourceRecord {
    ResourceRecord {
        kind: "stateMachine".into(),
        name: name.into(),
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        body: body.into(),
        created_ms: 1,
    }
}

pub(crate) fn registry_create_keeps_existing(s: &dyn Store) {
    let first = s.put_resource(&machine("b", "{\"v\":1}"), true).unwrap();
    assert_eq!(first.body, "{\"v\":1}");
    let again = s.put_resource(&machine("b", "{\"v\":2}"), true).unwrap();
    assert_eq!(again.body, "{\"v\":1}", "create must not replace");
    let updated = s.put_resource(&machine("b", "{\"v\":3}"), false).unwrap();
    assert_eq!(updated.body, "{\"v\":3}");
    let read = s.resource("stateMachine", "b").unwrap().unwrap();
    assert_eq!(read, updated);
}

pub(crate) fn registry_lists_by_kind_and_name(s: &dyn Store) {
    s.put_resource(&machine("b", "{}"), true).unwrap();
    s.put_resource(&machine("a", "{}"), true).unwrap();
    let activity = ResourceRecord {
        kind: "activity".into(),
        ..machine("c", "{}")
    };
    s.put_resource(&activity, true).unwrap();
    let names: Vec<String> = s
        .list_resources("stateMachine")
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(s.list_resources("activity").unwrap(), [activity]);
    assert!(s.resource("activity", "a").unwrap().is_none());
}

pub(crate) fn registry_delete(s: &dyn Store) {
    s.put_resource(&machine("a", "{}"), true).unwrap();
    assert!(s.delete_resource("stateMachine", "a").unwrap());
    assert!(!s.delete_resource("stateMachine", "a").unwrap());
    assert!(s.resource("stateMachine", "a").unwrap().is_none());
}
