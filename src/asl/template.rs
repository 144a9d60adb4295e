//! State machines in a SAM or CloudFormation template (`template.yaml` with its short tags
//! `!Ref`, `!GetAtt`, `!Sub`..., or JSON; CDK's `cdk.out/*.template.json` too): every
//! `AWS::Serverless::StateMachine` and `AWS::StepFunctions::StateMachine`, with its definition
//! (inline `Definition`/`DefinitionBody`/`DefinitionString`, or a local `DefinitionUri`) and its
//! `DefinitionSubstitutions`, intrinsic functions that point into the template resolved to
//! plausible values — a function's ARN from its logical id, a table's name, the pseudo
//! parameters — so that the definition is checked as AWS would see it after deployment.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// One state machine of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub logical_id: String,
    pub definition: Definition,
    /// `DefinitionSubstitutions`, resolved to text.
    pub substitutions: BTreeMap<String, String>,
    /// Where its definition sits in the template (for lines), when inline.
    pub pointer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// Inline: the definition as JSON text.
    Inline(String),
    /// `DefinitionUri`: a file, relative to the template.
    File(String),
    /// Not readable here (an S3 location, an unresolvable function), and why.
    Elsewhere(String),
}

/// Every state machine in a template's text (YAML or JSON).
pub fn machines(text: &str) -> Result<Vec<Found>, String> {
    let doc = parse(text)?;
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or("the template has no Resources")?;
    let cx = Context {
        resources,
        parameters: doc.get("Parameters").and_then(Value::as_object),
        depth: std::cell::Cell::new(0),
    };
    let mut found = Vec::new();
    for (id, r) in resources {
        let kind = r["Type"].as_str().unwrap_or_default();
        if kind != "AWS::Serverless::StateMachine" && kind != "AWS::StepFunctions::StateMachine" {
            continue;
        }
        let props = &r["Properties"];
        let base = format!("/Resources/{id}/Properties");
        let (definition, pointer) = if let Some(d) = props.get("Definition") {
            (
                Definition::Inline(cx.resolve(d).to_string()),
                format!("{base}/Definition"),
            )
        } else if let Some(d) = props.get("DefinitionBody") {
            (
                Definition::Inline(cx.resolve(d).to_string()),
                format!("{base}/DefinitionBody"),
            )
        } else if let Some(d) = props.get("DefinitionString") {
            let text = match cx.resolve(d) {
                Value::String(s) => Definition::Inline(s),
                other => Definition::Inline(other.to_string()),
            };
            (text, format!("{base}/DefinitionString"))
        } else if let Some(uri) = props.get("DefinitionUri") {
            let d = match cx.resolve(uri) {
                Value::String(path) if !path.starts_with("s3://") => Definition::File(path),
                other => {
                    Definition::Elsewhere(format!("its DefinitionUri is {other}, not a local file"))
                }
            };
            (d, String::new())
        } else if props.get("DefinitionS3Location").is_some() {
            (
                Definition::Elsewhere("its definition is in S3 (DefinitionS3Location)".into()),
                String::new(),
            )
        } else {
            (
                Definition::Elsewhere(
                    "it has no Definition, DefinitionString or DefinitionUri".into(),
                ),
                String::new(),
            )
        };
        let substitutions = props
            .get("DefinitionSubstitutions")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = cx.resolve(v);
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.push(Found {
            logical_id: id.clone(),
            definition,
            substitutions,
            pointer,
        });
    }
    Ok(found)
}

/// The template as JSON: YAML's short tags become the long forms (`!Ref X` → `{"Ref": X}`,
/// `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": s}`, ...).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"));
    }
    let yaml: yaml_serde::Value =
        yaml_serde::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    Ok(long_form(yaml))
}

fn long_form(v: yaml_serde::Value) -> Value {
    use yaml_serde::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(long_form).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => long_form(other).to_string(),
                    };
                    (key, long_form(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let value = long_form(t.value);
            match name {
                "Ref" => json!({"Ref": value}),
                "Condition" => json!({"Condition": value}),
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (res, attr) = s.split_once('.').unwrap_or((&s, ""));
                        json!({"Fn::GetAtt": [res, attr]})
                    }
                    other => json!({"Fn::GetAtt": other}),
                },
                other => json!({ format!("Fn::{other}"): value }),
            }
        }
    }
}

struct Context<'a> {
    resources: &'a Map<String, Value>,
    parameters: Option<&'a Map<String, Value>>,
    /// How deep naming properties are being followed (a name that refers to itself stops).
    depth: std::cell::Cell<u32>,
}

impl Context<'_> {
    /// The value with the intrinsic functions it can resolve resolved.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 => {
                let (k, arg) = m.iter().next().expect("one entry");
                match k.as_str() {
                    "Ref" => json!(self.reference(arg.as_str().unwrap_or_default())),
                    "Fn::GetAtt" => {
                        let parts: Vec<String> = match arg {
                            Value::Array(a) => a
                                .iter()
                                .map(|p| self.resolve(p).as_str().unwrap_or_default().to_string())
                                .collect(),
                            Value::String(s) => s.splitn(2, '.').map(str::to_string).collect(),
                            _ => Vec::new(),
                        };
                        let (id, attr) = (
                            parts.first().cloned().unwrap_or_default(),
                            parts.get(1).cloned().unwrap_or_default(),
                        );
                        json!(self.attribute(&id, &attr))
                    }
                    "Fn::Sub" => json!(self.sub(arg)),
                    "Fn::Join" => {
                        let (sep, items) = match arg.as_array().map(Vec::as_slice) {
                            Some([sep, Value::Array(items)]) => (sep.as_str().unwrap_or(""), items),
                            _ => return v.clone(),
                        };
                        let parts: Vec<String> = items
                            .iter()
                            .map(|i| match self.resolve(i) {
                                Value::String(s) => s,
                                other => other.to_string(),
                            })
                            .collect();
                        json!(parts.join(sep))
                    }
                    _ => Value::Object(
                        m.iter()
                            .map(|(k, v)| (k.clone(), self.resolve(v)))
                            .collect(),
                    ),
                }
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.resolve(i)).collect()),
            other => other.clone(),
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Res.Attr}` and the given variables filled; `${!X}` → `${X}`.
    fn sub(&self, arg: &Value) -> String {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), None),
            Value::Array(a) => (
                a.first().and_then(Value::as_str).unwrap_or_default(),
                a.get(1).and_then(Value::as_object),
            ),
            _ => return String::new(),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let Some(end) = rest[i..].find('}') else {
                rest = &rest[i..];
                break;
            };
            let name = &rest[i + 2..i + end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.and_then(|m| m.get(name)) {
                match self.resolve(v) {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            } else if let Some((id, attr)) = name.split_once('.')
                && !id.starts_with("AWS:")
            {
                out.push_str(&self.attribute(id, attr));
            } else {
                out.push_str(&self.reference(name));
            }
            rest = &rest[i + end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A resource's naming property (`FunctionName: !Sub fn-${Stage}`) as text, when it is one
    /// (a name that refers to its own resource is not followed).
    fn property(&self, v: Option<&Value>) -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            _ if self.depth.get() > 8 => None,
            other => {
                self.depth.set(self.depth.get() + 1);
                let resolved = self.resolve(other).as_str().map(str::to_string);
                self.depth.set(self.depth.get() - 1);
                resolved
            }
        }
    }

    /// `Ref`: a pseudo parameter, a parameter's default, or what `Ref` of a resource gives.
    fn reference(&self, name: &str) -> String {
        match name {
            "AWS::Region" => return REGION.into(),
            "AWS::AccountId" => return ACCOUNT.into(),
            "AWS::Partition" => return "aws".into(),
            "AWS::URLSuffix" => return "amazonaws.com".into(),
            "AWS::StackName" => return "stack".into(),
            "AWS::StackId" => {
                return format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/stack/id");
            }
            _ => {}
        }
        if let Some(p) = self.parameters.and_then(|p| p.get(name)) {
            return match p.get("Default") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => name.to_string(),
            };
        }
        let Some(r) = self.resources.get(name) else {
            return name.to_string();
        };
        let kind = r["Type"].as_str().unwrap_or_default();
        let props = &r["Properties"];
        let named = |key: &str| {
            self.property(props.get(key))
                .unwrap_or_else(|| name.to_string())
        };
        match kind {
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => named("FunctionName"),
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => named("TableName"),
            "AWS::S3::Bucket" => named("BucketName"),
            "AWS::SQS::Queue" => format!(
                "https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{}",
                named("QueueName")
            ),
            _ => self.attribute(name, "Arn"),
        }
    }

    /// `Fn::GetAtt`: a resource's ARN (or name, URL) as AWS would make it.
    fn attribute(&self, id: &str, attr: &str) -> String {
        let r = self.resources.get(id);
        let kind = r.and_then(|r| r["Type"].as_str()).unwrap_or_default();
        let props = r.map(|r| &r["Properties"]);
        let named = |key: &str| {
            self.property(props.and_then(|p| p.get(key)))
                .unwrap_or_else(|| id.to_string())
        };
        let (r, a) = (REGION, ACCOUNT);
        match (kind, attr) {
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", _) => {
                format!("arn:aws:lambda:{r}:{a}:function:{}", named("FunctionName"))
            }
            ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "StreamArn") => format!(
                "arn:aws:dynamodb:{r}:{a}:table/{}/stream/1970-01-01T00:00:00.000",
                named("TableName")
            ),
            ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", _) => {
                format!("arn:aws:dynamodb:{r}:{a}:table/{}", named("TableName"))
            }
            ("AWS::SQS::Queue", "QueueUrl") => {
                format!("https://sqs.{r}.amazonaws.com/{a}/{}", named("QueueName"))
            }
            ("AWS::SQS::Queue", "QueueName") => named("QueueName"),
            ("AWS::SQS::Queue", _) => format!("arn:aws:sqs:{r}:{a}:{}", named("QueueName")),
            ("AWS::SNS::Topic", "TopicName") => named("TopicName"),
            ("AWS::SNS::Topic", _) => format!("arn:aws:sns:{r}:{a}:{}", named("TopicName")),
            ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{}", named("BucketName")),
            ("AWS::S3::Bucket", _) => named("BucketName"),
            ("AWS::Events::EventBus", "Name") => named("Name"),
            ("AWS::Events::EventBus", _) => {
                format!("arn:aws:events:{r}:{a}:event-bus/{}", named("Name"))
            }
            ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", "Name") => {
                named("StateMachineName")
            }
            ("AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine", _) => format!(
                "arn:aws:states:{r}:{a}:stateMachine:{}",
                named("StateMachineName")
            ),
            ("AWS::StepFunctions::Activity", _) => {
                format!("arn:aws:states:{r}:{a}:activity:{}", named("Name"))
            }
            ("AWS::SecretsManager::Secret", _) => {
                format!("arn:aws:secretsmanager:{r}:{a}:secret:{}", named("Name"))
            }
            ("AWS::IAM::Role", _) => format!("arn:aws:iam::{a}:role/{}", named("RoleName")),
            _ => format!(
                "arn:aws:{}:{r}:{a}:{id}",
                kind.split("::")
                    .nth(1)
                    .unwrap_or("resource")
                    .to_ascii_lowercase()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAM: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  CheckFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12}
  OrdersTable:
    Type: AWS::Serverless::SimpleTable
  FromFile:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/orders.asl.yaml
      DefinitionSubstitutions:
        CheckFunctionArn: !GetAtt CheckFunction.Arn
        OrdersTable: !Ref OrdersTable
        Queue: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q-${Stage}"
  Inline:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: !Join
        - ""
        - - '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "'
          - !GetAtt CheckFunction.Arn
          - '", "End": true}}}'
"#;

    #[test]
    fn a_sam_template_gives_its_machines_with_resolved_values() {
        let found = machines(SAM).expect("read");
        assert_eq!(found.len(), 2);
        let file = found
            .iter()
            .find(|f| f.logical_id == "FromFile")
            .expect("FromFile");
        assert_eq!(
            file.definition,
            Definition::File("statemachine/orders.asl.yaml".into())
        );
        assert_eq!(
            file.substitutions["CheckFunctionArn"],
            "arn:aws:lambda:us-east-1:123456789012:function:CheckFunction"
        );
        assert_eq!(file.substitutions["OrdersTable"], "OrdersTable");
        assert_eq!(
            file.substitutions["Queue"],
            "arn:aws:sqs:us-east-1:123456789012:q-dev"
        );
        let inline = found
            .iter()
            .find(|f| f.logical_id == "Inline")
            .expect("Inline");
        let Definition::Inline(text) = &inline.definition else {
            panic!("inline")
        };
        assert!(crate::asl::load(text).is_ok(), "{text}");
        assert!(text.contains("function:CheckFunction"), "{text}");
    }

    #[test]
    fn names_are_resolved_and_a_name_that_refers_to_itself_stops() {
        let t = r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: !Sub "fn-${AWS::Region}"}
  Loop:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: !Ref Loop}
  M:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionSubstitutions: {A: !GetAtt Fn.Arn, B: !GetAtt Loop.Arn}
      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}
"#;
        let found = machines(t).expect("read");
        assert_eq!(
            found[0].substitutions["A"],
            "arn:aws:lambda:us-east-1:123456789012:function:fn-us-east-1"
        );
        assert!(found[0].substitutions["B"].starts_with("arn:aws:lambda:"));
    }
}
