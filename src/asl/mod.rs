//! The language: JSON text → validated `Machine`, with every diagnostic.
pub mod diagnostic;
