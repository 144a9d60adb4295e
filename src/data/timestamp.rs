//! RFC 3339 timestamps as Step Functions reads and writes them.
//!
//! INTERFACE STUB — the signatures below are the contract other modules compile against.

/// Parses an RFC 3339 timestamp with an uppercase `T` and a `Z` or `±hh:mm` offset, with 0–9
/// fractional digits, into nanoseconds since the Unix epoch. `None` when it is not one.
pub fn parse_rfc3339(_s: &str) -> Option<i128> {
    unimplemented!()
}

/// Formats milliseconds since the epoch as AWS writes context-object times:
/// `2025-08-27T10:04:42.001Z`, with trailing fractional zeros dropped (`...:42Z` when whole).
pub fn format_millis(_ms: i64) -> String {
    unimplemented!()
}
