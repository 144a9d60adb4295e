//! The layer that performs effects: clocks, and the in-process driver `stepwise run` uses.

pub mod clock;
pub mod conductor;
pub mod config;
pub mod durable;
pub mod local;
pub mod process;
pub mod worker;

/// 256 bits from the operating system: task tokens are derived from them.
pub fn seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    if getrandom::fill(&mut s).is_err() {
        let t = clock::system_now_ms().to_le_bytes();
        s[..8].copy_from_slice(&t);
        s[8..16].copy_from_slice(&(std::process::id() as u64).to_le_bytes());
    }
    s
}
