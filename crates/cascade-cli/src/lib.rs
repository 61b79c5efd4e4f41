//! The `cascade` command as a library: [`main`] is the whole program (`src/main.rs` only calls
//! it). The modules are private; the one public module, [`fuzzing`], lets the fuzz targets in
//! `fuzz/` and the corpus replay test drive every file reader the command has.

mod args;
mod backbone_cmd;
mod bench;
mod bench_args;
mod bench_check;
mod bench_distances;
mod bench_images;
mod bench_scale;
mod checked;
mod data_args;
mod device_memory;
mod engine;
mod error;
mod eta;
pub mod fuzzing;
mod grid;
mod headings;
mod jobs;
mod malloc_tuning;
mod memory_check;
mod metric;
mod metrics;
mod notes;
mod output;
mod paired;
mod peak_memory;
mod plan_cmd;
mod plots;
mod progress;
mod rows_csv;
mod run;
mod run_json;
mod saved;
mod saved_input;
mod session;
mod settings;
mod source;
mod source_options;
mod table;
mod text;
mod ticker;
mod train_cmd;
mod tune;
mod values;
mod verdict;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use args::{Cli, Command};

/// Runs `cascade` with the process's arguments: what the binary does.
pub fn main() -> ExitCode {
    malloc_tuning::tune();
    let command = match parse(std::env::args_os()) {
        Ok(command) => command,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            // clap's own rendering adds a usage block; keep to the one line that says what is wrong.
            eprintln!(
                "{} (see `cascade --help`)",
                error::one_line(&usage_line(&e))
            );
            return ExitCode::from(2);
        }
    };
    exit_code(execute(&command))
}

/// The command `args` (the program's name first) give, parsed and resolved: what `main` runs.
fn parse<I, T>(args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cli = Cli::try_parse_from(args)?;
    cli.command.resolve();
    Ok(cli.command)
}

/// Runs a parsed (and resolved) command.
fn execute(command: &Command) -> Result<(), error::CliError> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Plan(args) => plan_cmd::plan(args),
        Command::Bench(args) if args.distances => bench_distances::bench_distances(args),
        Command::Bench(args) if args.scale => bench_scale::bench_scale(args),
        Command::Bench(args) => bench::bench(args),
        Command::Grid(args) => grid::grid(args),
        Command::Tune(args) => tune::tune(args),
        Command::Train(args) => train_cmd::train(args),
        Command::Predict(args) => saved::predict(args),
        Command::Evaluate(args) => saved::evaluate(args),
        Command::Merge(args) => jobs::merge::merge(&args.plan, &args.out, args.device),
        Command::Submit(args) => jobs::submit::submit(args),
    }
}

/// The end of [`main`]: the exit code of `result`, with its error printed as one line.
fn exit_code(result: Result<(), error::CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ error::CliError::Interrupted { .. }) => {
            eprintln!("{}", error::one_line(&e.to_string()));
            // The shell's code for a SIGINT stop.
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {}", error::one_line(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// What is wrong with the command line, on one line: the first paragraph of clap's message,
/// its lines joined (a list of missing arguments follows its heading on lines of their own),
/// and clap's guess at a misspelt name, without the other tips and the usage block.
fn usage_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let mut paragraphs = text
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let mut line = paragraphs
        .next()
        .unwrap_or_else(|| "error: invalid arguments".into());
    for guess in paragraphs.filter_map(|p| p.strip_prefix("tip: a similar").map(String::from)) {
        line.push_str("; a similar");
        line.push_str(&guess);
    }
    line
}
