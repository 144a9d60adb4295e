//! Links the `stepwise` binary as a position-dependent executable (`-no-pie`).
//!
//! A PIE binary of this size carries ~65,000 relative relocations: at every start the dynamic
//! loader reads them and writes ~1 MB of relocated pointers, one copy-on-write page fault per
//! 4 KiB page — over half of the page faults, and of the start-up time, of a small
//! `stepwise run` (BENCHMARKS.md, "Start-up"). Linked at a fixed address, those pointers are
//! final in the file. Only the binary's own link changes: the library, tests and benches are
//! built as before.
#[allow(clippy::disallowed_methods)] // a build script's edge: cargo describes the target in the environment
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
