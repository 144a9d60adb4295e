//! The language: JSON text → validated `Machine`, with every diagnostic.
pub mod load;
pub mod model;
pub mod source;
pub mod template;

pub use crate::data::diagnostic::Diagnostic;
pub use load::{load, load_value};
pub use model::Machine;
