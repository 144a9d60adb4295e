//! The embedded queue's part of the contract.

use crate::store::Store;
use crate::store::queue::{MessageRecord, NewMessage, QueueCounts, QueueRecord};

const FIFO: &str = r#"{"FifoQueue":"true"}"#;
const VISIBILITY: i64 = 30_000;

fn message(queue: &str, id: &str, sent_ms: i64) -> NewMessage {
    NewMessage {
        queue: queue.into(),
        id: id.into(),
        body: format!("body of {id}"),
        attributes: r#"{"k":{"DataType":"String","StringValue":"v"}}"#.into(),
        visible_at_ms: sent_ms,
        sent_ms,
        group_id: None,
        deduplication_id: None,
    }
}

fn grouped(queue: &str, id: &str, group: &str, sent_ms: i64) -> NewMessage {
    NewMessage {
        group_id: Some(group.into()),
        ..message(queue, id, sent_ms)
    }
}

fn send(s: &dyn Store, m: NewMessage) -> MessageRecord {
    s.send_message(&m).unwrap().expect("the queue exists")
}

fn receive(s: &dyn Store, queue: &str, max: usize, now_ms: i64) -> Vec<MessageRecord> {
    s.receive_messages(queue, max, VISIBILITY, now_ms).unwrap()
}

fn ids(messages: &[MessageRecord]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

fn handle(m: &MessageRecord) -> &str {
    m.receipt_handle
        .as_deref()
        .expect("received messages have a receipt handle")
}

fn counts(visible: u64, in_flight: u64, delayed: u64) -> QueueCounts {
    QueueCounts {
        visible,
        in_flight,
        delayed,
    }
}

pub(crate) fn queue_create_is_idempotent(s: &dyn Store) {
    let attributes = r#"{"VisibilityTimeout":"30"}"#;
    let q = s.create_queue("orders", attributes, 1_000).unwrap();
    let expected = QueueRecord {
        name: "orders".into(),
        attributes: attributes.into(),
        created_ms: 1_000,
    };
    assert_eq!(q, expected);
    assert_eq!(
        s.create_queue("orders", "{}", 2_000).unwrap(),
        expected,
        "unchanged"
    );
    assert_eq!(s.queue("orders").unwrap(), Some(expected));
    assert_eq!(s.queue("missing").unwrap(), None);
    let changed = r#"{"VisibilityTimeout":"60"}"#;
    assert!(s.set_queue_attributes("orders", changed).unwrap());
    assert_eq!(s.queue("orders").unwrap().unwrap().attributes, changed);
    assert!(!s.set_queue_attributes("missing", "{}").unwrap());
    assert_eq!(
        s.queue("missing").unwrap(),
        None,
        "not created by setting attributes"
    );
}

pub(crate) fn queue_list_by_prefix(s: &dyn Store) {
    for name in ["b", "a_1", "ab", "a", "a_2.fifo", "c"] {
        s.create_queue(name, "{}", 0).unwrap();
    }
    let names = |prefix: &str| -> Vec<String> {
        let found = s.list_queues(prefix).unwrap();
        found.into_iter().map(|q| q.name).collect()
    };
    assert_eq!(names(""), ["a", "a_1", "a_2.fifo", "ab", "b", "c"]);
    assert_eq!(names("a"), ["a", "a_1", "a_2.fifo", "ab"]);
    assert_eq!(names("a_"), ["a_1", "a_2.fifo"], "`_` is no wildcard");
    assert_eq!(names("a_2.fifo"), ["a_2.fifo"]);
    assert_eq!(names("z"), Vec::<String>::new());
}

pub(crate) fn queue_send_receive_delete(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    assert_eq!(s.send_message(&message("missing", "m0", 1)).unwrap(), None);
    let sent = send(s, message("q", "m1", 100));
    let expected = MessageRecord {
        queue: "q".into(),
        id: "m1".into(),
        body: "body of m1".into(),
        attributes: message("q", "m1", 100).attributes,
        sent_ms: 100,
        visible_at_ms: 100,
        receive_count: 0,
        first_receive_ms: None,
        receipt_handle: None,
        group_id: None,
        deduplication_id: None,
        sequence: sent.sequence,
    };
    assert_eq!(sent, expected);
    send(s, message("q", "m2", 200));
    send(s, message("q", "m3", 300));
    let got = receive(s, "q", 2, 1_000);
    assert_eq!(ids(&got), ["m1", "m2"], "oldest first, at most max");
    assert_eq!(
        got[0],
        MessageRecord {
            visible_at_ms: 1_000 + VISIBILITY,
            receive_count: 1,
            first_receive_ms: Some(1_000),
            receipt_handle: got[0].receipt_handle.clone(),
            ..expected
        }
    );
    assert!(got[0].sequence < got[1].sequence);
    assert_ne!(handle(&got[0]), handle(&got[1]));
    assert_eq!(ids(&receive(s, "q", 10, 1_000)), ["m3"]);
    assert_eq!(receive(s, "q", 10, 1_000), vec![]);
    assert_eq!(s.queue_counts("q", 1_000).unwrap(), counts(0, 3, 0));
    assert!(
        !s.delete_message("other", handle(&got[0])).unwrap(),
        "another queue's handle"
    );
    assert!(s.delete_message("q", handle(&got[0])).unwrap());
    assert!(
        !s.delete_message("q", handle(&got[0])).unwrap(),
        "deleted already"
    );
    assert!(!s.delete_message("q", "no-such-handle").unwrap());
    assert_eq!(s.queue_counts("q", 1_000).unwrap(), counts(0, 2, 0));
    send(s, message("q", "m4", 400));
    let peeked = s.peek_messages("q", 10, 1_000).unwrap();
    assert_eq!(
        ids(&peeked),
        ["m2", "m3", "m4"],
        "in flight or not, in send order"
    );
    assert_eq!(ids(&s.peek_messages("q", 1, 1_000).unwrap()), ["m2"]);
    assert_eq!(
        s.queue_counts("q", 1_000).unwrap(),
        counts(1, 2, 0),
        "peeking receives nothing"
    );
    assert_eq!(s.peek_messages("missing", 10, 1_000).unwrap(), vec![]);
    assert_eq!(receive(s, "q", 0, 1_000), vec![], "max 0 takes nothing");
    assert_eq!(receive(s, "missing", 10, 1_000), vec![]);
    assert_eq!(
        s.queue_counts("missing", 1_000).unwrap(),
        QueueCounts::default()
    );
}

pub(crate) fn queue_visibility_timeout_redelivers(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    send(s, message("q", "m1", 0));
    let first = s.receive_messages("q", 1, 500, 1_000).unwrap();
    assert_eq!(ids(&first), ["m1"]);
    assert_eq!(s.receive_messages("q", 1, 500, 1_499).unwrap(), vec![]);
    let again = s.receive_messages("q", 1, 500, 1_500).unwrap();
    assert_eq!(ids(&again), ["m1"], "back when the timeout ends");
    assert_eq!(again[0].receive_count, 2);
    assert_eq!(again[0].first_receive_ms, Some(1_000));
    assert_eq!(again[0].visible_at_ms, 2_000);
    assert_ne!(
        handle(&again[0]),
        handle(&first[0]),
        "a new handle per receive"
    );
    assert!(
        !s.delete_message("q", handle(&first[0])).unwrap(),
        "the old handle is void"
    );
    assert!(
        !s.change_visibility("q", handle(&first[0]), 0, 1_600)
            .unwrap()
    );
    assert!(s.delete_message("q", handle(&again[0])).unwrap());
    assert_eq!(s.queue_counts("q", 3_000).unwrap(), counts(0, 0, 0));
}

pub(crate) fn queue_change_visibility(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    send(s, message("q", "m1", 0));
    let got = receive(s, "q", 1, 1_000);
    assert!(s.change_visibility("q", handle(&got[0]), 0, 2_000).unwrap());
    assert_eq!(s.queue_counts("q", 2_000).unwrap(), counts(1, 0, 0));
    let again = receive(s, "q", 1, 2_000);
    assert_eq!(ids(&again), ["m1"], "visible at once");
    assert_eq!(again[0].receive_count, 2);
    assert!(
        s.change_visibility("q", handle(&again[0]), 10_000, 3_000)
            .unwrap()
    );
    assert_eq!(receive(s, "q", 1, 12_999), vec![]);
    assert_eq!(ids(&receive(s, "q", 1, 13_000)), ["m1"]);
    assert!(!s.change_visibility("q", "no-such-handle", 0, 0).unwrap());
    assert!(
        !s.change_visibility("other", handle(&again[0]), 0, 0)
            .unwrap()
    );
}

pub(crate) fn queue_delayed_messages(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    let delayed = NewMessage {
        visible_at_ms: 5_000,
        ..message("q", "late", 0)
    };
    send(s, delayed);
    send(s, message("q", "now", 100));
    assert_eq!(s.queue_counts("q", 1_000).unwrap(), counts(1, 0, 1));
    assert_eq!(ids(&receive(s, "q", 10, 1_000)), ["now"]);
    assert_eq!(s.queue_counts("q", 1_000).unwrap(), counts(0, 1, 1));
    assert_eq!(receive(s, "q", 10, 4_999), vec![]);
    assert_eq!(ids(&receive(s, "q", 10, 5_000)), ["late"]);
    assert_eq!(s.queue_counts("q", 5_000).unwrap(), counts(0, 2, 0));
    assert_eq!(
        s.queue_counts("q", 1_000 + VISIBILITY).unwrap(),
        counts(1, 1, 0)
    );
}

/// Standard queues give the messages visible the longest first: a redelivery goes behind
/// messages that were waiting.
pub(crate) fn queue_standard_order(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    for (id, at) in [("m1", 0), ("m2", 10), ("m3", 20)] {
        send(s, message("q", id, at));
    }
    assert_eq!(ids(&s.receive_messages("q", 1, 50, 100).unwrap()), ["m1"]);
    assert_eq!(ids(&receive(s, "q", 10, 200)), ["m2", "m3", "m1"]);
}

/// `take_message`: the message a receive would give, gone for good; on FIFO queues too.
pub(crate) fn queue_take_removes_what_it_gives(s: &dyn Store) {
    assert_eq!(s.take_message("missing", 0).unwrap(), None);
    s.create_queue("q", "{}", 0).unwrap();
    for (id, at) in [("m1", 0), ("m2", 10), ("m3", 500)] {
        send(s, message("q", id, at));
    }
    let first = s
        .take_message("q", 100)
        .unwrap()
        .expect("a visible message");
    assert_eq!((first.id.as_str(), first.receive_count), ("m1", 1));
    assert_eq!(first.body, "body of m1");
    assert_eq!(
        s.take_message("q", 100).unwrap().map(|m| m.id),
        Some("m2".into())
    );
    assert_eq!(
        s.take_message("q", 100).unwrap(),
        None,
        "m3 is not visible yet"
    );
    assert_eq!(s.queue_counts("q", 100).unwrap(), counts(0, 0, 1));
    assert_eq!(ids(&receive(s, "q", 10, 1_000)), ["m3"]);
    s.create_queue("q.fifo", FIFO, 0).unwrap();
    for (id, group, at) in [("a1", "a", 1), ("a2", "a", 2)] {
        send(s, grouped("q.fifo", id, group, at));
    }
    assert_eq!(
        s.take_message("q.fifo", 100).unwrap().map(|m| m.id),
        Some("a1".into())
    );
    assert_eq!(
        s.take_message("q.fifo", 100).unwrap().map(|m| m.id),
        Some("a2".into()),
        "a taken message leaves nothing in flight in its group"
    );
}

pub(crate) fn fifo_groups_in_order_one_in_flight(s: &dyn Store) {
    s.create_queue("q.fifo", FIFO, 0).unwrap();
    for (id, group, at) in [
        ("a1", "a", 1),
        ("b1", "b", 2),
        ("a2", "a", 3),
        ("b2", "b", 4),
        ("a3", "a", 5),
    ] {
        send(s, grouped("q.fifo", id, group, at));
    }
    let a1 = s.receive_messages("q.fifo", 1, 1_000, 100).unwrap();
    assert_eq!(ids(&a1), ["a1"]);
    let bs = s.receive_messages("q.fifo", 10, 1_000, 100).unwrap();
    assert_eq!(
        ids(&bs),
        ["b1", "b2"],
        "group a waits for a1; one call takes several of b"
    );
    assert_eq!(
        s.receive_messages("q.fifo", 10, 1_000, 100).unwrap(),
        vec![]
    );
    for m in a1.iter().chain(&bs) {
        assert!(s.delete_message("q.fifo", handle(m)).unwrap());
    }
    let rest = s.receive_messages("q.fifo", 10, 1_000, 200).unwrap();
    assert_eq!(ids(&rest), ["a2", "a3"]);
    let redelivered = s.receive_messages("q.fifo", 1, 1_000, 1_200).unwrap();
    assert_eq!(
        ids(&redelivered),
        ["a2"],
        "after a timeout the group starts again in order"
    );
    assert_eq!(redelivered[0].receive_count, 2);
    assert_eq!(
        s.receive_messages("q.fifo", 10, 1_000, 1_200).unwrap(),
        vec![],
        "a3 is visible, but a2 of its group is in flight"
    );
    assert!(s.delete_message("q.fifo", handle(&redelivered[0])).unwrap());
    assert_eq!(ids(&receive(s, "q.fifo", 10, 1_200)), ["a3"]);
}

pub(crate) fn fifo_message_not_yet_visible_holds_back_its_group(s: &dyn Store) {
    s.create_queue("q.fifo", FIFO, 0).unwrap();
    let late = NewMessage {
        visible_at_ms: 1_000,
        ..grouped("q.fifo", "a1", "a", 0)
    };
    send(s, late);
    send(s, grouped("q.fifo", "a2", "a", 1));
    send(s, grouped("q.fifo", "b1", "b", 2));
    assert_eq!(ids(&receive(s, "q.fifo", 10, 10)), ["b1"]);
    assert_eq!(s.queue_counts("q.fifo", 10).unwrap(), counts(1, 1, 1));
    assert_eq!(ids(&receive(s, "q.fifo", 10, 1_000)), ["a1", "a2"]);
}

pub(crate) fn fifo_deduplication(s: &dyn Store) {
    s.create_queue("q.fifo", FIFO, 0).unwrap();
    s.create_queue("r.fifo", FIFO, 0).unwrap();
    let deduplicated = |queue: &str, id: &str, at: i64| NewMessage {
        deduplication_id: Some("d".into()),
        ..grouped(queue, id, "g", at)
    };
    let first = send(s, deduplicated("q.fifo", "m1", 0));
    assert_eq!(first.deduplication_id.as_deref(), Some("d"));
    assert_eq!(
        send(s, deduplicated("q.fifo", "m2", 1_000)),
        first,
        "the original, unchanged"
    );
    assert_eq!(s.queue_counts("q.fifo", 1_000).unwrap(), counts(1, 0, 0));
    let got = receive(s, "q.fifo", 10, 2_000);
    assert_eq!(ids(&got), ["m1"]);
    assert!(s.delete_message("q.fifo", handle(&got[0])).unwrap());
    let after_delete = send(s, deduplicated("q.fifo", "m3", 299_999));
    assert_eq!(
        (
            after_delete.id.as_str(),
            after_delete.sequence,
            after_delete.sent_ms
        ),
        ("m1", first.sequence, 0),
        "still a duplicate after the original was deleted"
    );
    assert_eq!(s.queue_counts("q.fifo", 299_999).unwrap(), counts(0, 0, 0));
    assert_eq!(
        send(s, deduplicated("q.fifo", "m4", 300_000)).id,
        "m4",
        "the window is over"
    );
    assert_eq!(
        send(s, deduplicated("r.fifo", "r1", 1_000)).id,
        "r1",
        "ids are per queue"
    );
    assert_eq!(ids(&receive(s, "q.fifo", 10, 300_000)), ["m4"]);
}

pub(crate) fn fifo_content_based_deduplication(s: &dyn Store) {
    let attributes = r#"{"FifoQueue":"true","ContentBasedDeduplication":"true"}"#;
    s.create_queue("c.fifo", attributes, 0).unwrap();
    let body = |id: &str, body: &str, at: i64| NewMessage {
        body: body.into(),
        ..grouped("c.fifo", id, "g", at)
    };
    let first = send(s, body("c1", "same", 0));
    let sha = "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5";
    assert_eq!(first.deduplication_id.as_deref(), Some(sha));
    assert_eq!(send(s, body("c2", "same", 10)).id, "c1");
    assert_eq!(send(s, body("c3", "other", 20)).id, "c3");
    let explicit = NewMessage {
        deduplication_id: Some("explicit".into()),
        ..body("c4", "same", 30)
    };
    assert_eq!(send(s, explicit).id, "c4", "a given id wins over the body");
    assert_eq!(s.queue_counts("c.fifo", 30).unwrap(), counts(3, 0, 0));

    let per_group = r#"{"FifoQueue":"true","DeduplicationScope":"messageGroup"}"#;
    s.create_queue("g.fifo", per_group, 0).unwrap();
    let in_group = |id: &str, group: &str| NewMessage {
        deduplication_id: Some("d".into()),
        ..grouped("g.fifo", id, group, 0)
    };
    assert_eq!(send(s, in_group("x", "a")).id, "x");
    assert_eq!(send(s, in_group("y", "b")).id, "y", "another group");
    assert_eq!(send(s, in_group("z", "a")).id, "x");

    s.create_queue("standard", r#"{"ContentBasedDeduplication":"true"}"#, 0)
        .unwrap();
    for id in ["s1", "s2"] {
        let m = NewMessage {
            deduplication_id: Some("d".into()),
            ..message("standard", id, 0)
        };
        assert_eq!(send(s, m).id, id, "standard queues do not deduplicate");
    }
    assert_eq!(s.queue_counts("standard", 0).unwrap(), counts(2, 0, 0));
}

pub(crate) fn queue_retention(s: &dyn Store) {
    s.create_queue("short", r#"{"MessageRetentionPeriod":"60"}"#, 0)
        .unwrap();
    send(s, message("short", "m1", 0));
    send(s, message("short", "m2", 30_000));
    assert_eq!(s.queue_counts("short", 59_999).unwrap(), counts(2, 0, 0));
    assert_eq!(
        s.queue_counts("short", 60_000).unwrap(),
        counts(1, 0, 0),
        "m1 expired"
    );
    assert_eq!(ids(&receive(s, "short", 10, 60_000)), ["m2"]);
    assert_eq!(
        receive(s, "short", 10, 90_000 + VISIBILITY),
        vec![],
        "m2 expired in flight"
    );
    s.set_queue_attributes("short", "{}").unwrap();
    assert_eq!(
        receive(s, "short", 10, 90_000 + VISIBILITY),
        vec![],
        "expired messages were deleted"
    );

    s.create_queue("default", "{}", 0).unwrap();
    send(s, message("default", "d1", 0));
    let four_days = 345_600_000;
    assert_eq!(
        s.queue_counts("default", four_days - 1).unwrap(),
        counts(1, 0, 0)
    );
    assert_eq!(
        s.queue_counts("default", four_days).unwrap(),
        counts(0, 0, 0)
    );
    assert_eq!(receive(s, "default", 10, four_days), vec![]);
}

pub(crate) fn queue_move_message(s: &dyn Store) {
    s.create_queue("src", "{}", 0).unwrap();
    s.create_queue("dlq", "{}", 0).unwrap();
    send(s, message("dlq", "d0", 50));
    send(s, message("src", "m1", 0));
    s.receive_messages("src", 1, 10, 100).unwrap();
    let last = s.receive_messages("src", 1, 10, 200).unwrap();
    assert_eq!((ids(&last), last[0].receive_count), (vec!["m1"], 2));
    send(s, message("src", "m2", 250));
    assert!(s.move_message("src", "m1", "dlq", 300).unwrap());
    assert_eq!(s.queue_counts("src", 300).unwrap(), counts(1, 0, 0));
    assert_eq!(
        s.queue_counts("dlq", 300).unwrap(),
        counts(2, 0, 0),
        "visible at once"
    );
    assert!(!s.delete_message("src", handle(&last[0])).unwrap());
    assert!(
        !s.delete_message("dlq", handle(&last[0])).unwrap(),
        "the handle stops working"
    );
    let got = receive(s, "dlq", 10, 300);
    assert_eq!(ids(&got), ["d0", "m1"]);
    let moved = &got[1];
    assert_eq!(
        (moved.queue.as_str(), moved.body.as_str()),
        ("dlq", "body of m1")
    );
    assert_eq!(moved.attributes, message("src", "m1", 0).attributes);
    assert_eq!((moved.sent_ms, moved.first_receive_ms), (0, Some(100)));
    assert_eq!(moved.receive_count, 3, "the receive count is kept");
    assert!(
        moved.sequence > got[0].sequence,
        "behind the target's messages"
    );
    assert!(!s.move_message("src", "nope", "dlq", 300).unwrap());
    assert!(!s.move_message("src", "m2", "missing", 300).unwrap());
    assert_eq!(
        s.queue_counts("src", 300).unwrap(),
        counts(1, 0, 0),
        "m2 stayed"
    );
}

pub(crate) fn queue_purge(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    s.create_queue("other", "{}", 0).unwrap();
    for id in ["m1", "m2", "m3"] {
        send(s, message("q", id, 0));
    }
    send(s, message("other", "o1", 0));
    let got = receive(s, "q", 1, 10);
    s.purge_queue("q").unwrap();
    assert_eq!(s.queue_counts("q", 10).unwrap(), counts(0, 0, 0));
    assert_eq!(receive(s, "q", 10, 10), vec![]);
    assert!(!s.delete_message("q", handle(&got[0])).unwrap());
    assert_eq!(s.queue_counts("other", 10).unwrap(), counts(1, 0, 0));
    assert!(s.queue("q").unwrap().is_some(), "the queue stays");
    send(s, message("q", "m4", 20));
    assert_eq!(ids(&receive(s, "q", 10, 20)), ["m4"]);
    s.purge_queue("missing").unwrap();
}

pub(crate) fn queue_delete_removes_messages(s: &dyn Store) {
    s.create_queue("q", "{}", 0).unwrap();
    send(s, message("q", "m1", 0));
    send(s, message("q", "m2", 0));
    let got = receive(s, "q", 1, 10);
    assert!(s.delete_queue("q").unwrap());
    assert!(!s.delete_queue("q").unwrap());
    assert_eq!(s.queue("q").unwrap(), None);
    assert_eq!(s.send_message(&message("q", "m3", 20)).unwrap(), None);
    assert_eq!(receive(s, "q", 10, 20), vec![]);
    assert!(!s.delete_message("q", handle(&got[0])).unwrap());
    s.create_queue("q", "{}", 30).unwrap();
    assert_eq!(
        s.queue_counts("q", VISIBILITY * 2).unwrap(),
        counts(0, 0, 0),
        "nothing came back"
    );
    assert_eq!(receive(s, "q", 10, VISIBILITY * 2), vec![]);

    s.create_queue("f.fifo", FIFO, 0).unwrap();
    let deduplicated = |id: &str| NewMessage {
        deduplication_id: Some("d".into()),
        ..grouped("f.fifo", id, "g", 0)
    };
    send(s, deduplicated("f1"));
    s.delete_queue("f.fifo").unwrap();
    s.create_queue("f.fifo", FIFO, 0).unwrap();
    assert_eq!(
        send(s, deduplicated("f2")).id,
        "f2",
        "deduplication ids go with the queue"
    );
}
