//! `stepwise graph FILE`: a state machine (or a Conductor workflow) drawn as a graph: an SVG
//! laid out by stepwise itself, Graphviz's DOT, or a Mermaid flowchart.

use super::report::usage;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The definition (JSON or YAML), a SAM/CloudFormation template with --state-machine, or a
    /// Conductor workflow definition (JSON with a `tasks` list).
    file: String,
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
    #[command(flatten)]
    source: super::source::Source,
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
        Some(out) if out.to_ascii_lowercase().ends_with(".svg") => GraphFormat::Svg,
        _ => GraphFormat::Dot,
    });
    let (graph, title) = match workflow(&args.file) {
        Some((graph, title)) => (graph, title),
        None => match machine(&args) {
            Ok(drawn) => drawn,
            Err(code) => return code,
        },
    };
    let text = match format {
        GraphFormat::Mermaid => crate::graph::mermaid::render(&graph),
        GraphFormat::Dot => crate::graph::dot::render(&graph, &title),
        GraphFormat::Svg => crate::graph::svg::render(&graph, &title, None),
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
fn machine(args: &Args) -> Result<(crate::graph::Graph, String), ExitCode> {
    let (prepared, logical_id) = match args
        .source
        .read_picked(&args.file, args.state_machine.as_deref())
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
            eprintln!("{}", super::source::located(&args.file, &prepared, d));
        }
        return Err(usage(format!(
            "{} is not a valid state machine ({} problems): fix them to draw it",
            args.file,
            diags.len()
        )));
    }
    let definition: serde_json::Value = serde_json::from_str(&prepared.json).unwrap_or_default();
    let title = logical_id.unwrap_or_else(|| crate::arn::machine_name_of_file(&args.file));
    Ok((crate::graph::of_definition(&definition), title))
}
