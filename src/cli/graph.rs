//! `stepwise graph FILE`: a state machine drawn as a graph, in Graphviz's DOT or as a Mermaid
//! flowchart.

use super::report::usage;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The definition (JSON or YAML), or a SAM/CloudFormation template with --state-machine.
    file: String,
    /// `dot` (render with Graphviz: `| dot -Tsvg > machine.svg`) or `mermaid` (GitHub and many
    /// docs render it in place).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
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
    /// Not yet: stepwise has no layout of its own; use `--format dot | dot -Tsvg`.
    Svg,
}

pub fn main(args: Args) -> ExitCode {
    if args.format == GraphFormat::Svg {
        return usage(
            "--format svg is not built yet (stepwise has no layout of its own): draw it with Graphviz, `stepwise graph FILE --format dot | dot -Tsvg > machine.svg`, or use --format mermaid",
        );
    }
    let (prepared, logical_id) = match args
        .source
        .read_picked(&args.file, args.state_machine.as_deref())
    {
        Ok(p) => p,
        Err(lines) => {
            for l in &lines {
                eprintln!("{l}");
            }
            return ExitCode::from(2);
        }
    };
    if let Err(diags) = crate::asl::load(&prepared.json) {
        for d in &diags {
            eprintln!("{}", super::source::located(&args.file, &prepared, d));
        }
        return usage(format!(
            "{} is not a valid state machine ({} problems): fix them to draw it",
            args.file,
            diags.len()
        ));
    }
    let definition: serde_json::Value = serde_json::from_str(&prepared.json).unwrap_or_default();
    let graph = crate::graph::of_definition(&definition);
    let title = logical_id.unwrap_or_else(|| crate::arn::machine_name_of_file(&args.file));
    let text = match args.format {
        GraphFormat::Mermaid => crate::graph::mermaid::render(&graph),
        _ => crate::graph::dot::render(&graph, &title),
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
