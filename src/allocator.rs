//! The process's memory allocator, chosen at build time (features `mimalloc`, `jemalloc`; the
//! system's malloc otherwise). Executions allocate many small, short-lived JSON values and
//! history events, where the allocator shows in profiles: BENCHMARKS.md ("Allocators") has the
//! comparison that chose the default.

#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
