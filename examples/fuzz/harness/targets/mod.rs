//! One module per target, and what they share: inputs made of an expression and a document.

mod api;
mod asl;
mod conductor;
mod data;

use super::{Rng, Target, corpus::Corpus, mutate};
use serde_json::Value;
use std::sync::OnceLock;

/// The seeds, read once per process.
fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(super::corpus::load)
}

pub fn by_name(name: &str) -> Option<Box<dyn Target>> {
    Some(match name {
        "asl" => Box::new(asl::Loader::new(corpus())),
        "jsonpath" => Box::new(data::jsonpath(corpus())),
        "intrinsic" => Box::new(data::intrinsic(corpus())),
        "jsonata" => Box::new(data::jsonata(corpus())),
        "choice" => Box::new(data::Choice::new(corpus())),
        "conductor-expr" => Box::new(conductor::expressions(corpus())),
        "conductor-js" => Box::new(conductor::scripts()),
        "sfn-api" => Box::new(api::Sfn::new(corpus())),
        "sqs-api" => Box::new(api::Sqs::new()),
        "conductor-api" => Box::new(api::ConductorRest::new()),
        _ => return None,
    })
}

/// Separates an expression from the document it runs against in one input.
const SEPARATOR: &str = "\n\u{0}\n";

/// A target whose input is a text (an expression, a path, a script) and a JSON document.
pub struct WithDocument {
    seeds: Vec<String>,
    dict: &'static [&'static str],
    documents: Vec<Value>,
    run: fn(&str, &Value),
}

impl WithDocument {
    fn new(seeds: Vec<String>, dict: &'static [&'static str], run: fn(&str, &Value)) -> Self {
        let documents = corpus()
            .documents
            .iter()
            .filter_map(|d| serde_json::from_str(d).ok())
            .filter(|d: &Value| d.get("States").is_none() && d.to_string().len() < 1024)
            .collect();
        WithDocument {
            seeds,
            dict,
            documents,
            run,
        }
    }
}

impl Target for WithDocument {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        let text = text_input(rng, &self.seeds, self.dict);
        let document = document(rng, &self.documents, self.dict);
        format!("{text}{SEPARATOR}{document}").into_bytes()
    }

    fn run(&mut self, input: &[u8]) {
        let input = String::from_utf8_lossy(input);
        let (text, document) = input.split_once(SEPARATOR).unwrap_or((&input, "null"));
        let document = serde_json::from_str(document).unwrap_or(Value::Null);
        (self.run)(text, &document);
    }
}

/// A seed, mutated most of the time.
fn text_input(rng: &mut Rng, seeds: &[String], dict: &[&str]) -> String {
    let seed = rng.pick(seeds);
    match rng.below(64) {
        0..4 => seed.clone(),
        4 => mutate::nest_text(rng, seed, dict),
        _ => mutate::text(rng, seed, dict, seeds),
    }
}

/// A document for an expression: a seed document or a random value, sometimes mutated.
fn document(rng: &mut Rng, documents: &[Value], dict: &[&str]) -> String {
    let mut doc = if documents.is_empty() || rng.one_in(3) {
        mutate::value(rng, 4, dict)
    } else {
        rng.pick(documents).clone()
    };
    if rng.one_in(2) {
        mutate::json(rng, &mut doc, dict);
    }
    doc.to_string()
}
