//! Map `ItemBatcher`: items (after ItemSelector) grouped into `{"BatchInput", "Items"}` inputs.

use super::map::int;
use crate::asl::model::{Batcher, Map, Payload};
use crate::engine::execution::{Doc, FrameId};
use crate::engine::failure::{Failure, json_size};
use crate::engine::io::eval_template;
use crate::engine::run::Ctx;
use serde_json::{Map as Object, Value};
use std::sync::Arc;

/// The iteration inputs of a batched Map.
pub fn batches(
    ctx: &mut Ctx,
    fid: FrameId,
    m: &Map,
    b: &Batcher,
    input: &Value,
    items: &[Value],
) -> Result<Vec<Doc>, Failure> {
    let here = ctx.here(fid);
    let max_items = match &b.max_items {
        Some(d) => int(ctx, fid, input, d, "MaxItemsPerBatchPath", here)?.max(1) as usize,
        None => usize::MAX,
    };
    let max_bytes = match &b.max_bytes {
        Some(d) => int(ctx, fid, input, d, "MaxInputBytesPerBatchPath", here)? as usize,
        None => usize::MAX,
    };
    let batch_input = match &b.batch_input {
        Some(t) => Some(ctx.with_scope(fid, input, None, |s| eval_template(t, s, input, here))?),
        None => None,
    };
    let mut selected = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        selected.push(match &m.item_selector {
            Some(Payload::Template(t)) => ctx.with_scope(fid, input, Some((index, item)), |s| {
                eval_template(t, s, input, here)
            })?,
            Some(Payload::Jsonata(_)) | None => item.clone(),
        });
    }
    Ok(group(selected, max_items, max_bytes)
        .into_iter()
        .map(|items| Arc::new(wrap(&batch_input, items)))
        .collect())
}

/// A JSONata Distributed Map's batches: `batcher` is its evaluated `ItemBatcher`.
pub fn jsonata_batches(items: Vec<Doc>, batcher: &Value) -> Vec<Doc> {
    let items = items.into_iter().map(Arc::unwrap_or_clone).collect();
    batch_values(items, batcher)
        .into_iter()
        .map(Arc::new)
        .collect()
}

/// Items grouped by an evaluated `ItemBatcher` (`MaxItemsPerBatch`, `MaxInputBytesPerBatch`,
/// `BatchInput`): the inputs of a batched Map's iterations, also of items a Map Run's
/// ItemReader read.
pub fn batch_values(items: Vec<Value>, batcher: &Value) -> Vec<Value> {
    let max_items = batcher["MaxItemsPerBatch"]
        .as_u64()
        .map_or(usize::MAX, |n| n.max(1) as usize);
    let max_bytes = batcher["MaxInputBytesPerBatch"]
        .as_u64()
        .map_or(usize::MAX, |n| n as usize);
    let batch_input = batcher.get("BatchInput").filter(|b| !b.is_null()).cloned();
    group(items, max_items, max_bytes)
        .into_iter()
        .map(|items| wrap(&batch_input, items))
        .collect()
}

/// Consecutive groups of at most `max_items` items and (unless one item alone is larger)
/// `max_bytes` bytes of JSON.
fn group(items: Vec<Value>, max_items: usize, max_bytes: usize) -> Vec<Vec<Value>> {
    let mut out: Vec<Vec<Value>> = Vec::new();
    let mut bytes = 0;
    for item in items {
        let size = json_size(&item);
        match out.last_mut() {
            Some(batch) if batch.len() < max_items && bytes + size <= max_bytes => {
                bytes += size;
                batch.push(item);
            }
            _ => {
                bytes = size;
                out.push(vec![item]);
            }
        }
    }
    out
}

fn wrap(batch_input: &Option<Value>, items: Vec<Value>) -> Value {
    let mut m = Object::new();
    if let Some(b) = batch_input {
        m.insert("BatchInput".into(), b.clone());
    }
    m.insert("Items".into(), Value::Array(items));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::group;
    use serde_json::json;

    #[test]
    fn groups_by_count_and_bytes() {
        let items: Vec<_> = (0..5).map(|i| json!(i)).collect();
        assert_eq!(group(items.clone(), 2, usize::MAX).len(), 3);
        assert_eq!(
            group(items.clone(), usize::MAX, 2),
            vec![
                vec![json!(0), json!(1)],
                vec![json!(2), json!(3)],
                vec![json!(4)]
            ]
        );
        assert_eq!(group(vec![json!("a long string")], 1, 1).len(), 1);
    }
}
