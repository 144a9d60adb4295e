//! `stepwise test [PATH...]`: validates every definition found, runs every case of every test
//! file (and of a Step Functions Local mock file), prints a line per case and a summary, and
//! writes JUnit XML and coverage when asked. Exit 0 only when everything passed.

use super::report::usage;
use super::validate::plural;
use crate::asl::Diagnostic;
use crate::runtime::clock::system_now_ms;
use crate::store::MemoryStore;
use crate::testing::coverage::Coverage;
use crate::testing::discover;
use crate::testing::junit;
use crate::testing::load::{Item, Loader, Suite};
use crate::testing::run::{self, Definition, Handlers};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    source: super::source::Source,
    /// A SAM or CloudFormation template: its state machines, by logical id, are the definitions
    /// of --mock-config's state machines (with their DefinitionSubstitutions).
    #[arg(long, value_name = "FILE")]
    template: Option<String>,
    /// Test files (`*.test.json`, `*.test.yaml`) and directories to search for them and for
    /// definitions (`*.asl.json`, `*.asl.yaml`, all validated). Default: the current directory, unless
    /// --mock-config is given.
    paths: Vec<PathBuf>,
    /// Run every test case of every state machine in this Step Functions Local mock file
    /// against the definition of the same name.
    #[arg(long, value_name = "FILE")]
    mock_config: Option<PathBuf>,
    /// Where --mock-config's definitions are (`NAME.asl.json`, searched recursively).
    /// Default: the mock file's directory.
    #[arg(long, value_name = "DIR", requires = "mock_config")]
    definitions: Option<PathBuf>,
    /// Only run cases whose name or file contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Report, per definition, the states, Choice branches and Catchers no case exercised.
    #[arg(long)]
    coverage: bool,
    /// With --coverage: draw each definition as DIR/NAME.svg with what no case exercised
    /// greyed out and the branches taken drawn bold.
    #[arg(long, value_name = "DIR", requires = "coverage")]
    graph: Option<PathBuf>,
    /// Handlers for Task states the cases do not mock (as for `stepwise run`).
    #[command(flatten)]
    handlers: super::handlers::Handlers,
    /// Region for ARNs.
    #[arg(long, env = "AWS_REGION", default_value = crate::arn::DEFAULT_REGION)]
    region: String,
    /// Account id for ARNs.
    #[arg(long, env = "STEPWISE_ACCOUNT_ID", default_value = crate::arn::DEFAULT_ACCOUNT)]
    account: String,
}

/// How the cases ended, counted.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    broken: usize,
    skipped: usize,
}

pub fn main(args: Args) -> ExitCode {
    let started = Instant::now();
    let paths = if args.paths.is_empty() && args.mock_config.is_none() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let found = match discover::find(&paths) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let mut loader = Loader::new(system_now_ms());
    loader.substitutions = match args.source.substitutions() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let named = match &args.template {
        Some(t) => match template_definitions(&mut loader, t) {
            Ok(named) => named,
            Err(e) => return usage(e),
        },
        None => Default::default(),
    };
    let mut suites: Vec<Suite> = found.tests.iter().map(|t| loader.test_file(t)).collect();
    if let Some(mock) = &args.mock_config {
        let dir = args.definitions.clone().unwrap_or_else(|| {
            mock.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(PathBuf::from("."), PathBuf::from)
        });
        suites.extend(crate::testing::sfn_local::suites(
            &mut loader,
            mock,
            &dir,
            &named,
        ));
    }
    for d in found.definitions.iter().chain(named.values()) {
        loader.definition(d);
    }
    if suites.is_empty() && found.definitions.is_empty() && named.is_empty() {
        return usage(format!(
            "no test files (*.test.json, *.test.yaml) or definitions (*.asl.json) under {}; \
             name test files so, pass them as arguments, or use --mock-config FILE",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let handlers = match args.handlers.config() {
        Ok(config) => Handlers {
            config,
            queues: Arc::new(MemoryStore::new()),
        },
        Err(e) => return usage(e),
    };
    let out = Printer::new();
    let invalid = validate(&loader, &out);
    let mut run = Runner {
        args: &args,
        handlers,
        out: &out,
        tally: Tally::default(),
        coverage: BTreeMap::new(),
        junit: Vec::new(),
    };
    for suite in &suites {
        run.suite(suite);
    }
    if args.coverage {
        print_coverage(&loader, &run.coverage, &out);
    }
    if let Some(dir) = &args.graph
        && let Err(e) = coverage_graphs(&loader, &run.coverage, dir, &out)
    {
        return usage(e);
    }
    if let Some(path) = &args.junit {
        let mut all = run.junit.clone();
        all.extend(validation_suite(&invalid));
        if let Err(e) = std::fs::write(path, junit::render(&all, "stepwise test")) {
            return usage(format!("cannot write {}: {e}", path.display()));
        }
    }
    summary(&run.tally, invalid.len(), suites.len(), started, &out)
}

/// The state machines of a SAM/CloudFormation template, by logical id, given to the loader
/// (with their DefinitionSubstitutions, and the command line's over them) under their file's
/// path, or `TEMPLATE#LogicalId` when inline.
fn template_definitions(
    loader: &mut Loader,
    template: &str,
) -> Result<std::collections::HashMap<String, PathBuf>, String> {
    use crate::asl::template::{Definition, machines};
    let text = super::read_file(template)?;
    let found = machines(&text).map_err(|e| format!("{template}: {e}"))?;
    let dir = std::path::Path::new(template)
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut named = std::collections::HashMap::new();
    for m in found {
        let mut subs = loader.substitutions.clone();
        let mut values = m.substitutions.clone();
        values.extend(subs.values);
        subs.values = values;
        let (path, definition) = match m.definition {
            Definition::File(rel) => {
                let path = dir.join(rel);
                let text = super::read_file(&path.to_string_lossy())?;
                (path, text)
            }
            Definition::Inline(text) => {
                (PathBuf::from(format!("{template}#{}", m.logical_id)), text)
            }
            Definition::Elsewhere(why) => {
                eprintln!("warning: {template}: {} is not tested: {why}", m.logical_id);
                continue;
            }
        };
        loader.give(&path, definition, subs);
        named.insert(m.logical_id, path);
    }
    Ok(named)
}

/// Prints the diagnostics of every invalid definition; returns them.
fn validate(loader: &Loader, out: &Printer) -> Vec<(String, Arc<Vec<Diagnostic>>)> {
    let invalid: Vec<_> = loader
        .definitions()
        .into_iter()
        .filter_map(|d| d.result.err().map(|e| (d.path, e)))
        .collect();
    for (path, diags) in &invalid {
        out.line(&format!(
            "{} {path}: invalid definition",
            out.mark(Mark::Fail)
        ));
        for d in diags.iter() {
            out.line(&format!("    {}", super::validate::line(path, d)));
        }
    }
    invalid
}

struct Runner<'a> {
    args: &'a Args,
    handlers: Handlers,
    out: &'a Printer,
    tally: Tally,
    /// Per definition path.
    coverage: BTreeMap<String, Coverage>,
    junit: Vec<junit::Suite>,
}

impl Runner<'_> {
    fn suite(&mut self, suite: &Suite) {
        let mut cases = Vec::new();
        for planned in &suite.cases {
            let selected = self.args.filter.as_ref().is_none_or(|f| {
                planned.name.contains(f.as_str()) || suite.name.contains(f.as_str())
            });
            if selected {
                cases.push(self.case(suite, &planned.name, &planned.item));
            }
        }
        if !cases.is_empty() {
            self.junit.push(junit::Suite {
                name: suite.name.clone(),
                file: Some(suite.file.clone()),
                cases,
            });
        }
    }

    fn case(&mut self, suite: &Suite, name: &str, item: &Item) -> junit::Case {
        let started = Instant::now();
        let outcome = match item {
            Item::Skipped(reason) => junit::Outcome::Skipped {
                message: reason.clone(),
            },
            Item::Broken(message) => error("TestError", message),
            Item::Ready(case) => {
                match run::run(case, &self.handlers, &self.args.region, &self.args.account) {
                    Ok(done) => {
                        self.cover(&case.definition, &done);
                        if done.problems.is_empty() {
                            junit::Outcome::Passed
                        } else {
                            failure(&done.problems)
                        }
                    }
                    Err(e) => error("HandlerError", &e),
                }
            }
        };
        let time = started.elapsed().as_secs_f64();
        self.report(suite, name, &outcome, time);
        junit::Case {
            name: name.to_string(),
            classname: suite.name.clone(),
            time,
            outcome,
        }
    }

    fn cover(&mut self, def: &Definition, done: &run::Outcome) {
        if self.args.coverage {
            self.coverage.entry(def.path.clone()).or_default().record(
                &def.machine,
                &done.history,
                &done.trace,
            );
        }
    }

    fn report(&mut self, suite: &Suite, name: &str, outcome: &junit::Outcome, secs: f64) {
        let (mark, detail) = match outcome {
            junit::Outcome::Passed => (Mark::Pass, None),
            junit::Outcome::Failure { text, .. } => (Mark::Fail, Some(text.as_str())),
            junit::Outcome::Error { text, .. } => (Mark::Broken, Some(text.as_str())),
            junit::Outcome::Skipped { message } => (Mark::Skip, Some(message.as_str())),
        };
        match mark {
            Mark::Pass => self.tally.passed += 1,
            Mark::Fail => self.tally.failed += 1,
            Mark::Broken => self.tally.broken += 1,
            Mark::Skip => self.tally.skipped += 1,
        }
        let took = if matches!(mark, Mark::Skip | Mark::Broken) {
            String::new()
        } else {
            format!(" ({:.1} ms)", secs * 1000.0)
        };
        self.out.line(&format!(
            "{} {} › {name}{took}",
            self.out.mark(mark),
            suite.name
        ));
        for line in detail
            .filter(|d| !d.is_empty())
            .into_iter()
            .flat_map(str::lines)
        {
            self.out.line(&format!("      {line}"));
        }
    }
}

fn failure(problems: &[String]) -> junit::Outcome {
    let first = problems.first().map(String::as_str).unwrap_or_default();
    junit::Outcome::Failure {
        message: first.lines().next().unwrap_or_default().to_string(),
        kind: "ExpectationFailed".into(),
        text: problems.join("\n"),
    }
}

fn error(kind: &str, message: &str) -> junit::Outcome {
    junit::Outcome::Error {
        message: message.lines().next().unwrap_or_default().to_string(),
        kind: kind.into(),
        text: message.to_string(),
    }
}

/// Invalid definitions as failed cases, so CI shows them beside the tests.
fn validation_suite(invalid: &[(String, Arc<Vec<Diagnostic>>)]) -> Option<junit::Suite> {
    if invalid.is_empty() {
        return None;
    }
    let cases = invalid
        .iter()
        .map(|(path, diags)| junit::Case {
            name: path.clone(),
            classname: "validation".into(),
            time: 0.0,
            outcome: junit::Outcome::Failure {
                message: format!(
                    "{path} is not a valid state machine ({} problems)",
                    diags.len()
                ),
                kind: "InvalidDefinition".into(),
                text: diags
                    .iter()
                    .map(|d| super::validate::line(path, d))
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
        })
        .collect();
    Some(junit::Suite {
        name: "validation".into(),
        file: None,
        cases,
    })
}

fn print_coverage(loader: &Loader, coverage: &BTreeMap<String, Coverage>, out: &Printer) {
    out.line("");
    out.line("coverage (states, Choice branches, Catchers):");
    for d in loader.definitions() {
        let Ok(def) = &d.result else { continue };
        let cov = coverage.get(&d.path).cloned().unwrap_or_default();
        let r = cov.report(&def.machine);
        let pct = if r.total == 0 {
            100.0
        } else {
            100.0 * r.covered as f64 / r.total as f64
        };
        let runs = if cov.runs == 0 {
            " — no case runs it".to_string()
        } else {
            String::new()
        };
        out.line(&format!(
            "  {}: {}/{} ({pct:.0} %){runs}",
            d.path, r.covered, r.total
        ));
        if cov.runs > 0 {
            for m in &r.missed {
                out.line(&format!("      not exercised: {m}"));
            }
        }
    }
}

/// `--graph DIR`: one SVG per valid definition, its coverage drawn on it.
fn coverage_graphs(
    loader: &Loader,
    coverage: &BTreeMap<String, Coverage>,
    dir: &std::path::Path,
    out: &Printer,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut used = std::collections::BTreeSet::new();
    for d in loader.definitions() {
        let Ok(def) = &d.result else { continue };
        let cov = coverage.get(&d.path).cloned().unwrap_or_default();
        let name = crate::arn::machine_name_of_file(&d.path);
        let mut file = format!("{name}.svg");
        let mut n = 2;
        while !used.insert(file.clone()) {
            file = format!("{name}-{n}.svg");
            n += 1;
        }
        let graph = crate::graph::of_definition(&def.machine.definition);
        let svg = crate::graph::svg::render(&graph, &name, Some(&cov.overlay(&def.machine)));
        let path = dir.join(&file);
        std::fs::write(&path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.line(&format!("  coverage graph: {}", path.display()));
    }
    Ok(())
}

fn summary(t: &Tally, invalid: usize, files: usize, started: Instant, out: &Printer) -> ExitCode {
    let ok = t.failed == 0 && t.broken == 0 && invalid == 0;
    let mut parts = vec![
        format!("{} passed", t.passed),
        format!("{} failed", t.failed),
    ];
    if t.broken > 0 {
        parts.push(format!("{} could not run", t.broken));
    }
    if t.skipped > 0 {
        parts.push(format!("{} skipped", t.skipped));
    }
    if invalid > 0 {
        parts.push(format!("{invalid} invalid definition(s)"));
    }
    let cases = t.passed + t.failed + t.broken + t.skipped;
    out.line("");
    out.line(&format!(
        "test result: {}. {} ({} in {}, {:.2} s)",
        if ok {
            out.paint("ok", GREEN)
        } else {
            out.paint("FAILED", RED)
        },
        parts.join(", "),
        plural(cases, "case"),
        plural(files, "suite"),
        started.elapsed().as_secs_f64()
    ));
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Pass,
    Fail,
    Broken,
    Skip,
}

const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";

/// Results go to stdout: marks and colour on a terminal (unless `NO_COLOR`), plain words otherwise.
struct Printer {
    terminal: bool,
    colour: bool,
}

impl Printer {
    fn new() -> Printer {
        let terminal = std::io::stdout().is_terminal();
        Printer {
            terminal,
            colour: terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn line(&self, text: &str) {
        outln!("{text}");
    }

    fn mark(&self, m: Mark) -> String {
        let (symbol, word, colour) = match m {
            Mark::Pass => ("✓", "PASS", GREEN),
            Mark::Fail => ("✗", "FAIL", RED),
            Mark::Broken => ("!", "ERROR", RED),
            Mark::Skip => ("-", "SKIP", YELLOW),
        };
        if self.terminal {
            self.paint(symbol, colour)
        } else {
            word.to_string()
        }
    }

    fn paint(&self, text: &str, colour: &str) -> String {
        if self.colour {
            format!("\x1b[{colour}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
