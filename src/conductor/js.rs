//! TEMPORARY stand-in until the JavaScript subset lands.
use serde_json::Value;
pub struct Script;
#[derive(Debug)]
pub struct JsError {
    pub message: String,
    pub offset: Option<usize>,
}
impl std::fmt::Display for JsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl Script {
    pub fn parse(_s: &str) -> Result<Script, JsError> {
        Err(JsError {
            message: "no js".into(),
            offset: None,
        })
    }
    pub fn eval(&self, _v: &Value) -> Result<Value, JsError> {
        Ok(Value::Null)
    }
}
pub fn conductor_truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || v.as_f64().is_some_and(|n| n > 0.0)
}
