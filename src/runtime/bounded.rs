//! A cache keyed by text that cannot grow without bound: at most so many entries and so many
//! bytes of keys (a key may be a whole definition, up to a megabyte). When an insert would pass
//! either bound the cache starts over: simpler than LRU, and a server's working set of
//! definitions is small, so it refills with what is in use.

use std::collections::HashMap;

/// Entries kept at most by the caches of parsed definitions.
pub const ENTRIES: usize = 256;
/// Bytes of keys kept at most by the caches of parsed definitions.
pub const KEY_BYTES: usize = 4 * 1024 * 1024;

pub struct Bounded<V> {
    map: HashMap<String, V>,
    key_bytes: usize,
    max_entries: usize,
    max_key_bytes: usize,
}

impl<V> Bounded<V> {
    /// A cache of at most `max_entries` entries and `max_key_bytes` bytes of keys.
    pub fn new(max_entries: usize, max_key_bytes: usize) -> Bounded<V> {
        Bounded {
            map: HashMap::new(),
            key_bytes: 0,
            max_entries,
            max_key_bytes,
        }
    }

    /// A cache with the bounds of the definition caches (`ENTRIES`, `KEY_BYTES`).
    pub fn for_definitions() -> Bounded<V> {
        Bounded::new(ENTRIES, KEY_BYTES)
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Adds or replaces an entry; one that would pass a bound empties the cache first, and one
    /// whose key alone passes the byte bound is not kept.
    pub fn insert(&mut self, key: String, value: V) {
        if key.len() > self.max_key_bytes {
            return;
        }
        if let Some(slot) = self.map.get_mut(&key) {
            *slot = value;
            return;
        }
        if self.map.len() >= self.max_entries || self.key_bytes + key.len() > self.max_key_bytes {
            self.map.clear();
            self.key_bytes = 0;
        }
        self.key_bytes += key.len();
        self.map.insert(key, value);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_over_at_either_bound() {
        let mut c = Bounded::new(3, 10);
        for k in ["a", "b", "c"] {
            c.insert(k.to_string(), 1);
        }
        c.insert("a".into(), 2);
        assert_eq!(
            (c.len(), c.get("a")),
            (3, Some(&2)),
            "a replacement adds nothing"
        );
        c.insert("d".into(), 1);
        assert_eq!(c.len(), 1, "the fourth entry starts over");
        assert!(c.contains_key("d") && !c.contains_key("a"));
        c.insert("eeeeeeee".into(), 1);
        assert_eq!(c.len(), 2, "nine bytes of keys");
        c.insert("ff".into(), 1);
        assert_eq!(c.len(), 1, "eleven bytes would pass the bound");
        c.insert("g".repeat(11), 1);
        assert!(
            !c.contains_key(&"g".repeat(11)),
            "a key over the bound is not kept"
        );
        assert!(c.contains_key("ff"));
    }
}
