//! State machines and activities in `MemoryStore`.

use super::MemoryStore;
use crate::store::Result;
use crate::store::registry::{ResourceRecord, ResourceStore};

impl ResourceStore for MemoryStore {
    fn put_resource(&self, record: &ResourceRecord, create: bool) -> Result<ResourceRecord> {
        let mut inner = self.lock();
        let key = (record.kind.clone(), record.name.clone());
        if create && let Some(existing) = inner.resources.get(&key) {
            return Ok(existing.clone());
        }
        inner.resources.insert(key, record.clone());
        Ok(record.clone())
    }

    fn resource(&self, kind: &str, name: &str) -> Result<Option<ResourceRecord>> {
        let key = (kind.to_string(), name.to_string());
        Ok(self.lock().resources.get(&key).cloned())
    }

    fn list_resources(&self, kind: &str) -> Result<Vec<ResourceRecord>> {
        Ok(self
            .lock()
            .resources
            .values()
            .filter(|r| r.kind == kind)
            .cloned()
            .collect())
    }

    fn delete_resource(&self, kind: &str, name: &str) -> Result<bool> {
        let key = (kind.to_string(), name.to_string());
        Ok(self.lock().resources.remove(&key).is_some())
    }
}
