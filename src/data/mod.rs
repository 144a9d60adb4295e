//! The data language: JSONPath, payload templates, intrinsic functions, Choice rules, timestamps.
pub mod choice;
pub mod intrinsic;
pub mod jsonpath;
pub mod template;
pub mod timestamp;
