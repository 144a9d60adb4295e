//! First pass: find every `States` block and state at any depth, give each an id, and check
//! names (length, uniqueness across the whole machine).

use super::fields::{Cx, Obj};
use crate::asl::model::{BlockId, StateId};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Where every state and block is, before any state is read.
pub struct Skeleton<'a> {
    pub blocks: Vec<RawBlock<'a>>,
    pub states: Vec<RawState<'a>>,
}

pub struct RawBlock<'a> {
    pub obj: Obj<'a>,
    pub start: Option<&'a str>,
    pub names: HashMap<&'a str, StateId>,
    pub states: Vec<StateId>,
}

pub struct RawState<'a> {
    pub name: &'a str,
    pub block: BlockId,
    pub obj: Option<Obj<'a>>,
    /// For Parallel: one block per branch; for Map: the processor block.
    pub children: Vec<BlockId>,
}

pub fn scan<'a>(top: &Obj<'a>, cx: &mut Cx) -> Skeleton<'a> {
    let mut sk = Skeleton {
        blocks: Vec::new(),
        states: Vec::new(),
    };
    let mut seen = HashMap::new();
    add_block(&mut sk, top.map, top.ptr.clone(), &mut seen, cx);
    sk
}

fn add_block<'a>(
    sk: &mut Skeleton<'a>,
    map: &'a Map<String, Value>,
    ptr: String,
    seen: &mut HashMap<&'a str, String>,
    cx: &mut Cx,
) -> BlockId {
    let id = sk.blocks.len();
    let obj = Obj::new(map, ptr);
    let start = if obj.has("StartAt") {
        obj.req_str("StartAt", cx)
    } else {
        None
    };
    sk.blocks.push(RawBlock {
        obj: Obj::new(map, obj.ptr.clone()),
        start,
        names: HashMap::new(),
        states: Vec::new(),
    });
    let Some(states) = obj.get("States") else {
        return id;
    };
    let Some(states) = states.as_object() else {
        cx.schema(
            obj.at("States"),
            "The field 'States' must be an object of states",
        );
        return id;
    };
    if states.is_empty() {
        cx.schema(
            obj.at("States"),
            "The field 'States' must contain at least one state",
        );
    }
    let states_ptr = obj.at("States");
    for (name, value) in states {
        let sid = add_state(sk, id, name, value, &states_ptr, seen, cx);
        sk.blocks[id].names.insert(name.as_str(), sid);
        sk.blocks[id].states.push(sid);
    }
    id
}

fn add_state<'a>(
    sk: &mut Skeleton<'a>,
    block: BlockId,
    name: &'a str,
    value: &'a Value,
    states_ptr: &str,
    seen: &mut HashMap<&'a str, String>,
    cx: &mut Cx,
) -> StateId {
    let ptr = format!(
        "{states_ptr}/{}",
        crate::data::diagnostic::escape_token(name)
    );
    check_name(name, &ptr, seen, cx);
    let sid = sk.states.len();
    let obj = match value.as_object() {
        Some(map) => Some(Obj::new(map, ptr.clone())),
        None => {
            cx.schema(ptr.clone(), format!("The state '{name}' must be an object"));
            None
        }
    };
    sk.states.push(RawState {
        name,
        block,
        obj: None,
        children: Vec::new(),
    });
    let children = obj
        .as_ref()
        .map(|o| scan_children(sk, o, seen, cx))
        .unwrap_or_default();
    sk.states[sid].obj = obj;
    sk.states[sid].children = children;
    sid
}

fn check_name<'a>(name: &'a str, ptr: &str, seen: &mut HashMap<&'a str, String>, cx: &mut Cx) {
    let len = name.chars().count();
    if len == 0 || len > 80 {
        cx.schema(
            ptr.to_string(),
            format!("State names must be 1 to 80 characters long; '{name}' has {len}"),
        );
    }
    if let Some(first) = seen.get(name) {
        cx.push("DUPLICATE_STATE_NAME", Some(ptr.to_string()), format!("Duplicate State name: {name} (also defined at {first}); state names must be unique in the whole state machine, including branches and Map processors"));
    } else {
        seen.insert(name, ptr.to_string());
    }
}

fn scan_children<'a>(
    sk: &mut Skeleton<'a>,
    obj: &Obj<'a>,
    seen: &mut HashMap<&'a str, String>,
    cx: &mut Cx,
) -> Vec<BlockId> {
    match obj.get("Type").and_then(Value::as_str) {
        Some("Parallel") => scan_branches(sk, obj, seen, cx),
        Some("Map") => {
            let key = if obj.has("ItemProcessor") {
                "ItemProcessor"
            } else {
                "Iterator"
            };
            match obj.get(key).and_then(Value::as_object) {
                Some(map) => vec![add_block(sk, map, obj.at(key), seen, cx)],
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn scan_branches<'a>(
    sk: &mut Skeleton<'a>,
    obj: &Obj<'a>,
    seen: &mut HashMap<&'a str, String>,
    cx: &mut Cx,
) -> Vec<BlockId> {
    let Some(Value::Array(branches)) = obj.get("Branches") else {
        return Vec::new();
    };
    let ptr = obj.at("Branches");
    branches
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            b.as_object()
                .map(|m| add_block(sk, m, format!("{ptr}/{i}"), seen, cx))
        })
        .collect()
}
