//! Deterministic, unguessable randomness: SHA-256 over a secret seed and a counter.
//!
//! The host picks the seed once (from the operating system) when an execution starts; every
//! task token, UUID and jitter after that is a function of the seed, so a stored execution
//! replays identically and tokens stay unguessable while the seed stays secret.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rng {
    seed: [u8; 32],
    counter: u64,
}

impl Rng {
    pub fn new(seed: [u8; 32]) -> Self {
        Rng { seed, counter: 0 }
    }

    fn block(&mut self) -> [u8; 32] {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        h.finalize().into()
    }

    pub fn next_u64(&mut self) -> u64 {
        let b = self.block();
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }

    /// A uniform float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A task token: 256 random bits, URL-safe base64 without padding, never starting with `-`
    /// (so `--token T` cannot be mistaken for an option).
    pub fn token(&mut self) -> String {
        let mut t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.block());
        if t.starts_with('-') {
            t.replace_range(..1, "A");
        }
        t
    }
}
