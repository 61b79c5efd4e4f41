//! The README and the docs cannot rot: every `cascade ...` line in the shell code blocks of
//! `README.md` and of every `docs/*.md` (and the `cargo run ... -p cascade-cli -- ...` line that
//! runs the main job) is run here, as typed, with one change: repetition, trial, repeat and task
//! counts are cut to keep the suite short (a budget given with a cut task count is cut with it,
//! so each task keeps its steps, up to 10 a task). The lines of one code block run in order in one fresh
//! directory that holds a link to the repository's `datasets/`, so relative data paths work and
//! what a command writes (a JSON file, a results folder, `> FILE`) is there for the next line.
//! Commands that need data a newcomer does not have go in `text` blocks, which are not run.

mod common;

use std::path::{Path, PathBuf};

use common::{cascade, repo};

/// Most tasks a command runs with here.
const MAX_TASKS: usize = 10;

/// Most steps a task gets from a budget cut with its task count.
const MAX_STEPS_A_TASK: usize = 10;

/// One `cascade` command of a Markdown file.
#[derive(Debug, PartialEq)]
struct Example {
    /// Its line number in the file.
    line: usize,
    /// Which shell code block it is in (lines of one block share a directory).
    block: usize,
    /// The arguments after `cascade`.
    args: Vec<String>,
    /// `> FILE`: where its standard output goes.
    stdout_to: Option<String>,
}

/// The `cascade` commands of a Markdown text's shell code blocks.
fn readme_commands(text: &str) -> Vec<Example> {
    let mut commands = Vec::new();
    let (mut in_shell, mut block) = (false, 0);
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && matches!(fence, "sh" | "bash" | "shell" | "console");
            block += 1;
            continue;
        }
        if !in_shell {
            continue;
        }
        // A comment starts at a '#' preceded by a space (the README's style).
        let code = trimmed.split(" #").next().unwrap_or("").trim();
        let (code, stdout_to) = match code.split_once(" > ") {
            Some((code, file)) => (code.trim(), Some(file.trim().to_string())),
            None => (code, None),
        };
        let words: Vec<String> = code.split_whitespace().map(String::from).collect();
        let args = match words.first().map(String::as_str) {
            Some("cascade") => words[1..].to_vec(),
            Some("cargo") if words.iter().any(|w| w == "cascade-cli") => {
                match words.iter().position(|w| w == "--") {
                    Some(dash) => words[dash + 1..].to_vec(),
                    None => continue,
                }
            }
            _ => continue,
        };
        assert!(
            !code.contains(['"', '\'', '$', '|', '&', '>', '<', '`', ';', '\\']),
            "line {}: keep cascade examples on one line and free of shell syntax (but a final \
             `> FILE`) so they can be run here: {code}",
            i + 1
        );
        commands.push(Example {
            line: i + 1,
            block,
            args,
            stdout_to,
        });
    }
    commands
}

/// Splits `--option=value` into `--option value`, so each reduction sees one form.
fn split_equals(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|arg| match arg.split_once('=') {
            Some((option, value)) if option.starts_with("--") => {
                vec![option.to_string(), value.to_string()]
            }
            _ => vec![arg.clone()],
        })
        .collect()
}

/// The value after `option` (or its short form) in `args`.
fn value_of<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    args.windows(2)
        .find(|w| names.contains(&w[0].as_str()))
        .map(|w| w[1].as_str())
}

/// `value` with every comma-separated number at most `max`, repeated values dropped.
fn capped_list(value: &str, max: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for part in value.split(',') {
        let capped = match part.trim().parse::<usize>() {
            Ok(n) => n.min(max).to_string(),
            Err(_) => part.to_string(),
        };
        if !out.contains(&capped) {
            out.push(capped);
        }
    }
    out.join(",")
}

/// The command as the test runs it: repetitions cut to at most 2, trials to 3, timing repeats
/// to 1 and tasks to [`MAX_TASKS`] (given or not, for the commands that repeat, tune or time),
/// a budget given beside a cut task count cut in proportion (at least a step and at most
/// [`MAX_STEPS_A_TASK`] a task), and a tuning repetition for `tune`.
fn for_the_suite(args: &[String]) -> Vec<String> {
    let args = split_equals(args);
    let command = args.first().map(String::as_str).unwrap_or("");
    let tasks_option = ["--tasks", "-T"];
    // A single task count (run, plan, train, tune): the budget keeps its steps a task.
    let scale = value_of(&args, &tasks_option)
        .filter(|_| command != "bench")
        .and_then(|t| t.parse::<usize>().ok())
        .filter(|&t| t > MAX_TASKS)
        .map(|t| MAX_TASKS as f64 / t as f64);
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        out.push(arg.clone());
        let at_most = |n: usize| move |v: &str| capped_list(v, n);
        let cut: Box<dyn Fn(&str) -> String> = match arg.as_str() {
            "--reps" => Box::new(at_most(2)),
            "--trials" => Box::new(at_most(3)),
            "--repeats" => Box::new(at_most(1)),
            "--tasks" | "-T" => Box::new(at_most(MAX_TASKS)),
            "--budget" | "-B" | "--budgets" => match scale {
                Some(scale) => Box::new(move |v: &str| {
                    v.split(',')
                        .map(|b| match b.trim().parse::<usize>() {
                            Ok(b) => (((b as f64) * scale).round() as usize)
                                .clamp(MAX_TASKS, MAX_STEPS_A_TASK * MAX_TASKS)
                                .to_string(),
                            Err(_) => b.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                }),
                None => continue,
            },
            _ => continue,
        };
        if let Some(value) = iter.next() {
            out.push(cut(value));
        }
    }
    let absent = match command {
        "run" | "grid" => &[("--reps", "2")][..],
        "tune" => &[("--reps", "2"), ("--tune-reps", "1")][..],
        "bench" => &[("--tasks", "10"), ("--repeats", "1")][..],
        _ => &[],
    };
    for (option, value) in absent {
        if !args.iter().any(|a| a == option) {
            out.extend([option.to_string(), value.to_string()]);
        }
    }
    out
}

/// `README.md`, then every `docs/*.md` in name order.
fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("the repository has a docs/ folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.insert(0, repo().join("README.md"));
    docs
}

/// The path as the messages show it: relative to the repository.
fn shown(path: &Path) -> String {
    let root = repo().canonicalize().unwrap();
    let path = path.canonicalize().unwrap();
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// Runs every command of `file`'s shell blocks; returns how many ran.
fn run_commands_of(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    let commands = readme_commands(&text);
    let datasets = repo().join("datasets").canonicalize().unwrap();
    let name = shown(file);
    let mut scratch: Option<(usize, tempfile::TempDir)> = None;
    for example in &commands {
        if scratch
            .as_ref()
            .is_none_or(|(block, _)| *block != example.block)
        {
            let dir = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(&datasets, dir.path().join("datasets")).unwrap();
            scratch = Some((example.block, dir));
        }
        let dir = scratch.as_ref().unwrap().1.path();
        let args = for_the_suite(&example.args);
        let shown = format!("{name} line {}: cascade {}", example.line, args.join(" "));
        eprintln!("{shown}");
        let start = std::time::Instant::now();
        let out = cascade().current_dir(dir).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{shown} failed:\n{stderr}");
        assert!(
            !out.stdout.is_empty() || !stderr.trim().is_empty(),
            "{shown} printed nothing"
        );
        if let Some(file) = &example.stdout_to {
            std::fs::write(dir.join(file), &out.stdout).unwrap();
        }
        eprintln!("  ok in {:.1} s", start.elapsed().as_secs_f64());
    }
    commands.len()
}

#[test]
fn every_readme_command_runs_as_typed() {
    let ran = run_commands_of(&repo().join("README.md"));
    assert!(ran >= 8, "found only {ran} cascade commands in the README");
}

#[test]
fn every_docs_command_runs_as_typed() {
    let docs = &documents()[1..];
    assert!(docs.len() >= 4, "docs/ holds only {docs:?}");
    let ran: usize = docs.iter().map(|doc| run_commands_of(doc)).sum();
    assert!(ran >= 20, "found only {ran} cascade commands in docs/");
}

#[test]
fn relative_links_of_the_readme_and_docs_lead_to_files() {
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let folder = doc.parent().unwrap();
        for (i, line) in text.lines().enumerate() {
            for target in line.split("](").skip(1).filter_map(|s| s.split(')').next()) {
                let path = target.split('#').next().unwrap_or("");
                if path.is_empty() || path.contains("://") {
                    continue;
                }
                assert!(
                    folder.join(path).exists(),
                    "{} line {}: the link to {path} leads nowhere",
                    shown(&doc),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn the_readme_parser_finds_commands_and_cuts_counts() {
    let text = "```sh\ncascade run --reps 50 --json r.json   # compare\nscripts/setup\n\
                cascade grid --print-config > g.toml\n```\n\
                ```rust\ncascade run\n```\n\
                ```sh\ncargo run --release -p cascade-cli -- run --dim 20\n```\n\
                ```text\ncascade run --data cifar10 full/cifar10\n```\n";
    let commands = readme_commands(text);
    assert_eq!(commands.len(), 3);
    assert_eq!((commands[0].line, commands[0].block), (2, 1));
    assert_eq!(commands[1].stdout_to.as_deref(), Some("g.toml"));
    assert_eq!(commands[2].args, ["run", "--dim", "20"]);
    assert_ne!(commands[2].block, commands[0].block);
    assert_eq!(
        for_the_suite(&commands[0].args),
        ["run", "--reps", "2", "--json", "r.json"]
    );
    assert_eq!(
        for_the_suite(&commands[2].args),
        ["run", "--dim", "20", "--reps", "2"]
    );
}

#[test]
fn task_counts_are_cut_with_their_budget_and_small_counts_stay() {
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        for_the_suite(&args("run --tasks 100 --budget 800 --reps 1")),
        args("run --tasks 10 --budget 80 --reps 1")
    );
    assert_eq!(
        for_the_suite(&args("run --tasks 100 --budget 5000 --reps 5")),
        args("run --tasks 10 --budget 100 --reps 2")
    );
    assert_eq!(
        for_the_suite(&args("plan --method mst-gradient -T 20 -B 200")),
        args("plan --method mst-gradient -T 10 -B 100")
    );
    assert_eq!(
        for_the_suite(&args("run --tasks=40 --budgets=80,400")),
        args("run --tasks 10 --budgets 20,100 --reps 2")
    );
    assert_eq!(
        for_the_suite(&args("tune --tasks 8 --budget 40 --trials 30")),
        args("tune --tasks 8 --budget 40 --trials 3 --reps 2 --tune-reps 1")
    );
    assert_eq!(
        for_the_suite(&args("bench --tasks 200,2000,10000 --repeats 5")),
        args("bench --tasks 10 --repeats 1")
    );
    assert_eq!(
        for_the_suite(&args("bench --distances")),
        args("bench --distances --tasks 10 --repeats 1")
    );
}
