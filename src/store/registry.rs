//! Named resources the API creates and lists: state machines and activities. The body is the
//! resource's JSON (definition, type, role, revision...), owned by the API layer; the store only
//! keeps, finds, lists and deletes it.

use super::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// `stateMachine` or `activity`.
    pub kind: String,
    pub name: String,
    pub arn: String,
    /// JSON text.
    pub body: String,
    pub created_ms: i64,
}

pub trait ResourceStore {
    /// Stores the resource. With `create`, an existing one of that kind and name is left as it
    /// is and returned; without, it is replaced (an update). Returns what is stored afterwards.
    fn put_resource(&self, record: &ResourceRecord, create: bool) -> Result<ResourceRecord>;
    fn resource(&self, kind: &str, name: &str) -> Result<Option<ResourceRecord>>;
    /// Every resource of the kind, by name.
    fn list_resources(&self, kind: &str) -> Result<Vec<ResourceRecord>>;
    /// False when it did not exist.
    fn delete_resource(&self, kind: &str, name: &str) -> Result<bool>;
}
