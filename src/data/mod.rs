//! The data language: JSONPath, payload templates, intrinsic functions, Choice rules, timestamps,
//! and JSONata.
pub mod choice;
pub mod intrinsic;
pub mod jsonata;
pub mod jsonpath;
pub mod template;
pub mod timestamp;
