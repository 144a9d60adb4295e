//! `stepwise graph FILE`: a state machine (or a Conductor workflow) drawn as a graph: an SVG
//! laid out by stepwise itself, Graphviz's DOT, or a Mermaid flowchart.

use super::report::usage;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The definition (JSON or YAML), a SAM/CloudFormation template with --state-machine, or a
    /// Conductor workflow definition (JSON with a `tasks` list). With --execution it may be left
    /// out: the definition the execution runs is drawn.
    #[arg(required_unless_present = "execution")]
    file: Option<String>,
    /// `svg` (stepwise's own layout, no Graphviz needed), `dot` (render with Graphviz:
    /// `| dot -Tsvg > machine.svg`) or `mermaid` (GitHub and many docs render it in place).
    /// Default: svg when --output ends in .svg, else dot.
    #[arg(long, value_enum)]
    format: Option<GraphFormat>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    output: Option<String>,
    /// A template's state machine, by logical id.
    #[arg(long, value_name = "LOGICAL_ID")]
    state_machine: Option<String>,
    /// Draw this execution (an ARN in --db) on the graph: each state coloured by what
    /// happened (succeeded, failed, caught, retried, in progress, waiting for a token, not
    /// reached), the transitions taken bold, the failing state's error and cause on it.
    /// Implies --format svg unless another is given (DOT and Mermaid carry no overlay).
    #[arg(long, value_name = "ARN")]
    execution: Option<String>,
    #[command(flatten)]
    source: super::source::Source,
    #[command(flatten)]
    db: super::store::Db,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    /// A standalone SVG laid out by stepwise.
    Svg,
}

pub fn main(args: Args) -> ExitCode {
    let format = args.format.unwrap_or_else(|| match &args.output {
        _ if args.execution.is_some() => GraphFormat::Svg,
        Some(out) if out.to_ascii_lowercase().ends_with(".svg") => GraphFormat::Svg,
        _ => GraphFormat::Dot,
    });
    let traced = match &args.execution {
        Some(arn) => match execution(&args, arn) {
            Ok(t) => Some(t),
            Err(code) => return code,
        },
        None => None,
    };
    let drawn = match (&args.file, &traced) {
        (Some(file), _) => workflow(file)
            .map(Ok)
            .unwrap_or_else(|| machine(&args, file)),
        (None, Some(t)) => Ok((
            crate::graph::of_definition(&t.definition),
            t.machine_name.clone(),
        )),
        (None, None) => Err(usage("give the definition FILE, or --execution ARN")),
    };
    let (graph, title) = match drawn {
        Ok(d) => d,
        Err(code) => return code,
    };
    let overlay = traced.as_ref().map(|t| &t.overlay);
    let text = match format {
        GraphFormat::Mermaid => crate::graph::mermaid::render(&graph),
        GraphFormat::Dot => crate::graph::dot::render(&graph, &title),
        GraphFormat::Svg => crate::graph::svg::render(&graph, &title, overlay),
    };
    match &args.output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage(format!("cannot write {path}: {e}")),
        },
        None => {
            outln!("{}", text.trim_end());
            ExitCode::SUCCESS
        }
    }
}

/// An execution read from the database, to draw.
struct Traced {
    definition: serde_json::Value,
    machine_name: String,
    overlay: crate::graph::Overlay,
}

fn execution(args: &Args, arn: &str) -> Result<Traced, ExitCode> {
    let (_, store) = args.db.open()?;
    let record = match store.execution(arn) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return Err(usage(format!(
                "there is no execution {arn} in the database (--db or STEPWISE_DB): `stepwise executions list` shows what is there"
            )));
        }
        Err(e) => return Err(usage(e)),
    };
    let rows = store.history(arn, 0, 0).map_err(usage)?;
    let events: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect();
    let waiting = store
        .open_tokens(arn)
        .map_err(usage)?
        .into_iter()
        .map(|t| t.state_name)
        .collect();
    let mut overlay = crate::graph::trace::of_history(&events, &waiting);
    overlay.caption = overlay.caption.map(|c| format!("{} · {c}", record.name));
    Ok(Traced {
        definition: serde_json::from_str(&record.definition).unwrap_or_default(),
        machine_name: record.machine_name,
        overlay,
    })
}

/// A Conductor workflow definition's graph and name, when `file` is one: a JSON object with
/// a `tasks` list and no `States`.
fn workflow(file: &str) -> Option<(crate::graph::Graph, String)> {
    let text = std::fs::read_to_string(file).ok()?;
    let def: serde_json::Value = serde_json::from_str(&text).ok()?;
    if !def["tasks"].is_array() || def.get("States").is_some() {
        return None;
    }
    let title = def["name"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| crate::arn::machine_name_of_file(file));
    Some((crate::graph::workflow::of_workflow(&def), title))
}

/// A state machine's graph and name, once it validates (its problems printed if not).
fn machine(args: &Args, file: &str) -> Result<(crate::graph::Graph, String), ExitCode> {
    let (prepared, logical_id) = match args.source.read_picked(file, args.state_machine.as_deref())
    {
        Ok(p) => p,
        Err(lines) => {
            for l in &lines {
                eprintln!("{l}");
            }
            return Err(ExitCode::from(2));
        }
    };
    if let Err(diags) = crate::asl::load(&prepared.json) {
        for d in &diags {
            eprintln!("{}", super::source::located(file, &prepared, d));
        }
        return Err(usage(format!(
            "{} is not a valid state machine ({} problems): fix them to draw it",
            file,
            diags.len()
        )));
    }
    let definition: serde_json::Value = serde_json::from_str(&prepared.json).unwrap_or_default();
    let title = logical_id.unwrap_or_else(|| crate::arn::machine_name_of_file(file));
    Ok((crate::graph::of_definition(&definition), title))
}
