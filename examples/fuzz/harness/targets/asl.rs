//! The ASL loader and validator: definitions from the repository, mutated as JSON and as text.

use super::{Corpus, Rng, Target, mutate};
use serde_json::Value;

pub struct Loader {
    seeds: Vec<String>,
    parsed: Vec<Value>,
    dict: Vec<&'static str>,
}

/// Field names and values the loader treats specially, besides those of the seeds.
const ASL_TOKENS: &[&str] = &[
    "StartAt",
    "States",
    "Type",
    "Next",
    "End",
    "Pass",
    "Task",
    "Choice",
    "Wait",
    "Succeed",
    "Fail",
    "Parallel",
    "Map",
    "Branches",
    "Iterator",
    "ItemProcessor",
    "ProcessorConfig",
    "ItemReader",
    "ItemSelector",
    "ItemsPath",
    "Items",
    "MaxConcurrency",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "InputPath",
    "OutputPath",
    "Output",
    "Arguments",
    "Assign",
    "QueryLanguage",
    "JSONata",
    "JSONPath",
    "Retry",
    "Catch",
    "ErrorEquals",
    "States.ALL",
    "States.TaskFailed",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Seconds",
    "SecondsPath",
    "Timestamp",
    "TimestampPath",
    "Resource",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Choices",
    "Default",
    "Error",
    "Cause",
    "Result",
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "$",
    "$.a",
    "a.$",
    "{% $states.input %}",
    "States.Format('{}', $.a)",
    "ToleratedFailureCount",
];

impl Loader {
    pub fn new(corpus: &Corpus) -> Loader {
        let mut dict: Vec<&'static str> = ASL_TOKENS.to_vec();
        // The seeds' keys, leaked once per process: the dictionary lives as long as the run.
        dict.extend(
            corpus
                .keys
                .iter()
                .map(|k| &*Box::leak(k.clone().into_boxed_str())),
        );
        Loader {
            seeds: corpus.definitions.clone(),
            parsed: corpus
                .definitions
                .iter()
                .filter_map(|d| serde_json::from_str(d).ok())
                .collect(),
            dict,
        }
    }
}

impl Target for Loader {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        let text = match rng.below(8) {
            0 => rng.pick(&self.seeds).clone(),
            1 => {
                let seed = rng.pick(&self.seeds);
                mutate::text(rng, seed, &self.dict, &self.seeds)
            }
            _ => {
                let mut v = rng.pick(&self.parsed).clone();
                for _ in 0..=rng.below(4) {
                    mutate::json(rng, &mut v, &self.dict);
                }
                mutate::to_text(rng, &v, &self.dict)
            }
        };
        text.into_bytes()
    }

    fn run(&mut self, input: &[u8]) {
        let text = String::from_utf8_lossy(input);
        if let Err(diagnostics) = stepwise::asl::load(&text) {
            assert!(!diagnostics.is_empty(), "refused without a diagnostic");
            for d in &diagnostics {
                assert!(
                    !d.message.is_empty(),
                    "a diagnostic without a message: {d:?}"
                );
            }
        }
    }
}
