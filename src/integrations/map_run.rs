//! A Distributed Map's Map Run, as data: the request the engine makes (`engine/states/
//! map_run.rs`), the state machine the runtime runs it as, and reading items from what S3 gave.
//!
//! The runtime runs a Map Run as an execution of its own (ARN = the Map Run's ARN): an inline
//! Map over the items whose iterations start the item processor with
//! `states:startExecution.sync:2`, so that concurrency, tolerated failures, results in item order
//! and durability are the ones nested executions already have. With an `ItemReader` it first
//! reads the items (`states:readItems`: S3's `getObject`/`listObjectsV2` through the S3 client,
//! then [`parse_items`]; like AWS's reader, not bound by a task result's 256 KiB); with a
//! `ResultWriter` it writes the results and a manifest with `aws-sdk:s3:putObject` and ends with
//! AWS's `{MapRunArn, ResultWriterDetails}`.

use serde_json::{Map, Value, json};

/// What the Map asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The child inputs, when the Map had them (no ItemReader).
    pub items: Option<Vec<Value>>,
    /// `{Resource, Parameters, ReaderConfig}`.
    pub reader: Option<Value>,
    /// `{MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput}` (with a reader).
    pub batcher: Option<Value>,
    /// `{Resource, Parameters}`.
    pub writer: Option<Value>,
    /// The item processor as a state machine (JSON text).
    pub definition: String,
    pub label: Option<String>,
    pub execution_type: String,
    pub max_concurrency: u64,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    pub map_state_name: String,
}

impl Request {
    pub fn read(p: &Value) -> Request {
        let opt = |k: &str| p.get(k).filter(|v| !v.is_null()).cloned();
        Request {
            items: p.get("Items").and_then(Value::as_array).cloned(),
            reader: opt("ItemReader"),
            batcher: opt("ItemBatcher"),
            writer: opt("ResultWriter"),
            definition: p["Definition"].as_str().unwrap_or_default().to_string(),
            label: p["Label"].as_str().map(str::to_string),
            execution_type: p["ExecutionType"]
                .as_str()
                .unwrap_or("STANDARD")
                .to_string(),
            max_concurrency: p["MaxConcurrency"].as_u64().unwrap_or(0),
            tolerated_count: p["ToleratedFailureCount"].as_u64(),
            tolerated_percentage: p["ToleratedFailurePercentage"].as_f64(),
            map_state_name: p["MapStateName"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// The name the run's children's state machine carries after the parent's:
    /// `Parent/Label` (the Map state's name when there is no label).
    pub fn child_machine_name(&self, parent_machine: &str) -> String {
        let label = self.label.as_deref().unwrap_or(&self.map_state_name);
        format!("{parent_machine}/{label}")
    }
}

/// The state machine a Map Run runs as. `children` is the item processor's ARN, `run_id` the
/// run's id (children are named `<run_id>-<index>`, so they are found again after a crash).
pub fn definition(req: &Request, children: &str, run_id: &str, map_run_arn: &str) -> Value {
    let mut states = Map::new();
    let mut order: Vec<&str> = Vec::new();
    if let Some(reader) = &req.reader {
        let mut read = json!({"Reader": reader});
        if let Some(b) = &req.batcher {
            read["ItemBatcher"] = b.clone();
        }
        states.insert(
            "Read".into(),
            json!({"Type": "Task", "Resource": "arn:aws:states:::states:readItems",
                   "Parameters": read,
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Unreadable"}],
                   "ResultPath": "$.items", "Next": "Run"}),
        );
        states.insert(
            "Unreadable".into(),
            json!({"Type": "Fail", "Error": "States.ItemReaderFailed",
                   "CausePath": "$.error.Cause"}),
        );
        order.push("Read");
    }
    // With a ResultWriter the results are the children's descriptions (`.sync`: `Input` and
    // `Output` as JSON text), as AWS writes them; without, their outputs.
    let writes = req.writer.is_some();
    let mut child = json!({
        "Type": "Task",
        "Resource": if writes {
            "arn:aws:states:::states:startExecution.sync"
        } else {
            "arn:aws:states:::states:startExecution.sync:2"
        },
        "Parameters": {
            "StateMachineArn": children,
            "Name.$": format!("States.Format('{run_id}-{{}}', $.index)"),
            "Input.$": "$.input",
        },
        "End": true,
    });
    if !writes {
        child["OutputPath"] = json!("$.Output");
    }
    let mut run = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"input.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "Child", "States": {"Child": child}},
        "MaxConcurrency": req.max_concurrency,
        "ResultPath": "$.results",
    });
    // Failures beyond these fail the run (States.ExceedToleratedFailureThreshold); without
    // either, any failure does, as on AWS.
    let count = req
        .tolerated_count
        .or(req.tolerated_percentage.is_none().then_some(0));
    if let Some(c) = count {
        run["ToleratedFailureCount"] = json!(c);
    }
    if let Some(p) = req.tolerated_percentage {
        run["ToleratedFailurePercentage"] = json!(p);
    }
    match &req.writer {
        None => {
            run["OutputPath"] = json!("$.results");
            run["End"] = json!(true);
        }
        Some(w) => {
            run["Next"] = json!("Write");
            let bucket = w["Parameters"]["Bucket"].clone();
            let prefix = w["Parameters"]["Prefix"].as_str().unwrap_or_default();
            let base = if prefix.is_empty() {
                run_id.to_string()
            } else {
                format!("{}/{run_id}", prefix.trim_end_matches('/'))
            };
            let results_key = format!("{base}/SUCCEEDED_0.json");
            let manifest_key = format!("{base}/manifest.json");
            states.insert(
                "Write".into(),
                json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                       "Parameters": {"Bucket": bucket, "Key": results_key, "Body.$": "$.results"},
                       "ResultPath": null, "Next": "Manifest"}),
            );
            let manifest = json!({
                "DestinationBucket": bucket,
                "MapRunArn": map_run_arn,
                "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": results_key}]},
            });
            states.insert(
                "Manifest".into(),
                json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                       "Parameters": {"Bucket": bucket, "Key": manifest_key, "Body": manifest},
                       "ResultPath": null, "Next": "Written"}),
            );
            states.insert(
                "Written".into(),
                json!({"Type": "Pass", "Result": {"MapRunArn": map_run_arn,
                       "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}, "End": true}),
            );
        }
    }
    states.insert("Run".into(), run);
    let start = order.first().copied().unwrap_or("Run");
    json!({"StartAt": start, "States": states})
}

/// Why items could not be read (`States.ItemReaderFailed`'s cause).
pub type ReadError = String;

/// The S3 call that reads a reader's items: `(action, parameters)` for `aws-sdk:s3:ACTION`.
pub fn reader_call(reader: &Value) -> (&'static str, Value) {
    let resource = reader["Resource"].as_str().unwrap_or_default();
    let params = &reader["Parameters"];
    match resource.rsplit(':').next() {
        Some("listObjectsV2") => ("listObjectsV2", params.clone()),
        _ => (
            "getObject",
            json!({"Bucket": params["Bucket"], "Key": params["Key"]}),
        ),
    }
}

/// The items in S3's answer to the reader's call: `getObject`'s `Body` as JSON (an array),
/// JSONL or CSV per `ReaderConfig.InputType`, or `listObjectsV2`'s objects; at most
/// `ReaderConfig.MaxItems`; batched when `batcher` is given.
pub fn parse_items(args: &Value) -> Result<Vec<Value>, ReadError> {
    let answer = &args["Answer"];
    let config = &args["ReaderConfig"];
    let mut items = match args["Action"].as_str() {
        Some("listObjectsV2") => answer["Contents"]
            .as_array()
            .map(|objects| {
                objects
                    .iter()
                    .map(|o| {
                        json!({"Etag": o["ETag"], "Key": o["Key"], "LastModified": o["LastModified"],
                               "Size": o["Size"], "StorageClass": o["StorageClass"]})
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => {
            let body = match &answer["Body"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            match config["InputType"].as_str().unwrap_or("JSON") {
                "JSONL" => jsonl(&body)?,
                "CSV" => csv(&body, config)?,
                _ => json_array(&body)?,
            }
        }
    };
    if let Some(max) = config["MaxItems"].as_u64().filter(|m| *m > 0) {
        items.truncate(max.min(usize::MAX as u64) as usize);
    }
    Ok(match args.get("ItemBatcher").filter(|b| !b.is_null()) {
        Some(b) => crate::engine::states::batch::batch_values(items, b),
        None => items,
    })
}

fn json_array(body: &str) -> Result<Vec<Value>, ReadError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(_) => Err("Attempting to map over non-iterable node.".into()),
        Err(e) => Err(format!("The object is not valid JSON: {e}")),
    }
}

fn jsonl(body: &str) -> Result<Vec<Value>, ReadError> {
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("Line {} of the object is not valid JSON: {e}", i + 1))
        })
        .collect()
}

/// CSV with a header row (`CSVHeaderLocation: FIRST_ROW`, the default) or given headers
/// (`GIVEN` with `CSVHeaders`); every value stays a string, as on AWS.
fn csv(body: &str, config: &Value) -> Result<Vec<Value>, ReadError> {
    let mut rows = body.lines().filter(|l| !l.is_empty()).map(csv_row);
    let headers: Vec<String> = match config["CSVHeaderLocation"].as_str() {
        Some("GIVEN") => config["CSVHeaders"]
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        _ => rows.next().unwrap_or_default(),
    };
    let mut seen = std::collections::BTreeSet::new();
    if headers.iter().any(|h| !seen.insert(h)) {
        return Err("CSV headers cannot contain duplicates.".into());
    }
    Ok(rows
        .map(|fields| {
            let mut item = Map::new();
            for (i, value) in fields.into_iter().enumerate() {
                let key = headers.get(i).cloned().unwrap_or_default();
                item.insert(key, Value::String(value));
            }
            Value::Object(item)
        })
        .collect())
}

/// One CSV line: fields split on commas, `"quoted, with ""quotes"""` kept whole.
fn csv_row(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_from_json_jsonl_csv_and_listings() {
        let read = |answer: Value, config: Value| {
            parse_items(&json!({"Answer": answer, "Action": "getObject", "ReaderConfig": config}))
        };
        assert_eq!(
            read(json!({"Body": "[1, 2]"}), Value::Null),
            Ok(vec![json!(1), json!(2)])
        );
        assert_eq!(
            read(json!({"Body": "{\"a\": 1}"}), Value::Null).unwrap_err(),
            "Attempting to map over non-iterable node."
        );
        assert_eq!(
            read(
                json!({"Body": "{\"a\":1}\n{\"a\":2}\n"}),
                json!({"InputType": "JSONL"})
            ),
            Ok(vec![json!({"a": 1}), json!({"a": 2})])
        );
        assert_eq!(
            read(
                json!({"Body": "name,qty\n\"pen, blue\",1\nink,\n"}),
                json!({"InputType": "CSV"})
            ),
            Ok(vec![
                json!({"name": "pen, blue", "qty": "1"}),
                json!({"name": "ink", "qty": ""})
            ])
        );
        assert_eq!(
            read(
                json!({"Body": "a,b\n"}),
                json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["x", "x"]})
            )
            .unwrap_err(),
            "CSV headers cannot contain duplicates."
        );
        let listed = parse_items(&json!({"Action": "listObjectsV2", "Answer": {"Contents": [
            {"ETag": "\"e\"", "Key": "k", "LastModified": "d", "Size": 3, "StorageClass": "STANDARD"}]}}));
        assert_eq!(listed.map(|l| l[0]["Etag"].clone()), Ok(json!("\"e\"")));
    }

    #[test]
    fn max_items_and_batches_apply_after_reading() {
        let items = parse_items(&json!({
            "Answer": {"Body": "[1,2,3,4,5]"}, "Action": "getObject",
            "ReaderConfig": {"MaxItems": 4},
            "ItemBatcher": {"MaxItemsPerBatch": 3, "BatchInput": {"b": true}}
        }));
        assert_eq!(
            items,
            Ok(vec![
                json!({"BatchInput": {"b": true}, "Items": [1, 2, 3]}),
                json!({"BatchInput": {"b": true}, "Items": [4]})
            ])
        );
    }

    #[test]
    fn a_run_is_an_inline_map_of_child_executions() {
        let req = Request::read(
            &json!({"Items": [1], "Definition": "{}", "MapStateName": "M",
            "MaxConcurrency": 5, "ToleratedFailurePercentage": 10.0}),
        );
        assert_eq!(req.child_machine_name("P"), "P/M");
        let d = definition(&req, "arn:c", "run", "arn:r");
        assert_eq!(d["StartAt"], json!("Run"));
        assert_eq!(d["States"]["Run"]["MaxConcurrency"], json!(5));
        // A percentage alone leaves the count unlimited.
        assert_eq!(d["States"]["Run"]["ToleratedFailureCount"], Value::Null);
        assert_eq!(
            d["States"]["Run"]["ToleratedFailurePercentage"],
            json!(10.0)
        );
        assert!(crate::asl::load(&d.to_string()).is_ok(), "{d}");
        let with_io = Request {
            reader: Some(json!({"Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b", "Key": "k"}, "ReaderConfig": {"InputType": "JSONL"}})),
            writer: Some(json!({"Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "out", "Prefix": "jobs"}})),
            ..req
        };
        let d = definition(&with_io, "arn:c", "run", "arn:r");
        assert_eq!(d["StartAt"], json!("Read"));
        assert_eq!(
            reader_call(&d["States"]["Read"]["Parameters"]["Reader"]),
            ("getObject", json!({"Bucket": "b", "Key": "k"}))
        );
        assert_eq!(
            d["States"]["Written"]["Result"]["ResultWriterDetails"]["Key"],
            json!("jobs/run/manifest.json")
        );
        assert!(crate::asl::load(&d.to_string()).is_ok(), "{d}");
    }
}
