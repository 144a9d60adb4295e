//! [`Jsonata`]: the [`QueryEngine`] over the `jsonata-core` crate, with parsed expressions
//! cached by their text.

use super::analysis::Analysis;
use super::convert::{from_jvalue, to_jvalue};
use super::error::QueryError;
use super::functions::{self, Host};
use super::limits::{self, Limits};
use super::{Bindings, QueryEngine};
use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Context, Evaluator};
use jsonata_core::value::JValue;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Cached expressions beyond this many are dropped all at once (a definition holds a few
/// hundred at most; only expressions built at run time could grow the cache for ever).
const MAX_CACHED: usize = 4096;

/// The JSONata engine. Cheap to share: `&Jsonata` is all evaluation needs, from any thread.
#[derive(Default)]
pub struct Jsonata {
    limits: Limits,
    cache: Mutex<HashMap<String, Arc<Parsed>>>,
}

/// An expression parsed once, with what it refers to.
struct Parsed {
    ast: AstNode,
    analysis: Analysis,
}

impl Jsonata {
    /// An engine that applies `limits` to every evaluation ([`Limits::AWS`] by default).
    pub fn new(limits: Limits) -> Jsonata {
        Jsonata {
            limits,
            cache: Mutex::default(),
        }
    }

    fn parse(&self, expression: &str) -> Result<Arc<Parsed>, QueryError> {
        // A panic elsewhere cannot leave the map half-written, so a poisoned lock is usable.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(parsed) = cache.get(expression) {
            return Ok(Arc::clone(parsed));
        }
        limits::check_bindings(expression)?;
        let ast = contained(
            || jsonata_core::parser::parse(expression),
            |code, message| QueryError::Syntax { code, message },
        )?
        .map_err(|e| limits::syntax_error(&e))?;
        let analysis = Analysis::of(&ast);
        let parsed = Arc::new(Parsed { ast, analysis });
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(expression.to_string(), Arc::clone(&parsed));
        Ok(parsed)
    }

    /// The evaluator for one evaluation: the names the expression reads, bound; AWS's
    /// functions, registered.
    fn evaluator(&self, parsed: &Parsed, bindings: &Bindings<'_>) -> Result<Evaluator, QueryError> {
        let analysis = &parsed.analysis;
        let mut context = Context::new();
        if analysis.reads_states() {
            context.bind("states".to_string(), states(bindings, analysis));
        }
        for name in &analysis.variables {
            if let Some(value) = bindings.variables.get(name) {
                context.bind(name.clone(), to_jvalue(value));
            }
        }
        if analysis.functions.contains("now") || analysis.variables.contains("now") {
            let now = functions::now_function().map_err(|e| limits::evaluation_error(&e))?;
            context.bind("now".to_string(), now);
        }
        let mut evaluator = Evaluator::with_options(context, self.limits.options());
        let host = Host {
            now_millis: bindings.now_millis,
            random_seed: bindings.random_seed,
            max_items: self.limits.sequence,
        };
        functions::register(&mut evaluator, &host).map_err(|e| limits::evaluation_error(&e))?;
        Ok(evaluator)
    }
}

/// Runs a parse or an evaluation in the library, turning a panic into an error of the
/// expression (`error` builds it: a syntax or an evaluation error). jsonata-core 2.2.13 panics on
/// some inputs (found by `scripts/fuzz`, see FUZZING.md): a function signature or a `$fromMillis`
/// picture marker with a non-ASCII character (`function($x)<né:n>{$x}`,
/// `$fromMillis(0, "[é]")`), a timestamp that overflows once the offset is added
/// (`$fromMillis(9223372036854775807, "[Y]", "+0530")`). A user's expression must fail its
/// state or its definition, not the process; the panic message is kept in the cause.
fn contained<T>(
    call: impl FnOnce() -> T,
    error: fn(Option<String>, String) -> QueryError,
) -> Result<T, QueryError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        error(
            None,
            format!("the JSONata library failed on this expression: {detail}"),
        )
    })
}

/// `$states`, with only the fields the expression reads when it reads no other way.
fn states(bindings: &Bindings<'_>, analysis: &Analysis) -> JValue {
    let fields = [
        ("input", Some(bindings.input)),
        ("context", bindings.context),
        ("result", bindings.result),
        ("errorOutput", bindings.error_output),
    ];
    let wanted = |name: &str| analysis.states_whole || analysis.states_fields.contains(name);
    let entries = fields
        .into_iter()
        .filter(|(name, _)| wanted(name))
        .filter_map(|(name, value)| Some((name.to_string(), to_jvalue(value?))));
    JValue::object(entries.collect())
}

impl QueryEngine for Jsonata {
    fn evaluate(
        &self,
        expression: &str,
        bindings: &Bindings<'_>,
    ) -> Result<Option<Value>, QueryError> {
        let parsed = self.parse(expression)?;
        let mut evaluator = self.evaluator(&parsed, bindings)?;
        // No input document: AWS forbids top-level `$` and field names (asl-semantics §4.3),
        // so they find nothing.
        let evaluation = || evaluator.evaluate(&parsed.ast, &JValue::Undefined);
        let result = contained(evaluation, |code, message| QueryError::Evaluation {
            code,
            message,
        })?
        .map_err(|e| limits::evaluation_error(&e))?;
        from_jvalue(&result).map_err(QueryError::Limit)
    }

    fn check(&self, expression: &str) -> Result<Analysis, QueryError> {
        Ok(self.parse(expression)?.analysis.clone())
    }
}
