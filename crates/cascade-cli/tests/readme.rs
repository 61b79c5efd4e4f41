//! The README cannot rot: every `cascade ...` line in its shell code blocks (and the
//! `cargo run ... -p cascade-cli -- ...` line that runs the main job) is run here, as typed, with
//! one change: repetition and trial counts are cut to keep the suite short. The lines of one
//! code block run in order in one fresh directory that holds a link to the repository's
//! `datasets/`, so relative data paths work and what a command writes (a JSON file, a results
//! folder, `> FILE`) is there for the next line.

mod common;

use common::{cascade, repo};

/// One `cascade` command of the README.
#[derive(Debug, PartialEq)]
struct Example {
    /// Its line number in the README.
    line: usize,
    /// Which shell code block it is in (lines of one block share a directory).
    block: usize,
    /// The arguments after `cascade`.
    args: Vec<String>,
    /// `> FILE`: where its standard output goes.
    stdout_to: Option<String>,
}

/// The `cascade` commands of the README's shell code blocks.
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
            !code.contains(['"', '\'', '$', '|', '&', '>', '<', '`', ';']),
            "README line {}: keep cascade examples free of shell syntax (but a final `> FILE`) \
             so they can be run here: {code}",
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

/// The command as the test runs it: repetition and trial counts cut to 2 and 3 (given or not),
/// and a tuning repetition for `tune`.
fn for_the_suite(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        out.push(arg.clone());
        let cut = match arg.as_str() {
            "--reps" => "2",
            "--trials" => "3",
            _ => continue,
        };
        iter.next();
        out.push(cut.into());
    }
    let absent = match out.first().map(String::as_str) {
        Some("run" | "grid") => &[("--reps", "2")][..],
        Some("tune") => &[("--reps", "2"), ("--tune-reps", "1")][..],
        _ => &[],
    };
    for (option, value) in absent {
        if !args.iter().any(|a| a == option) {
            out.extend([option.to_string(), value.to_string()]);
        }
    }
    out
}

#[test]
fn every_readme_command_runs_as_typed() {
    let text = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let commands = readme_commands(&text);
    assert!(
        commands.len() >= 8,
        "found only {} cascade commands in the README",
        commands.len()
    );
    let datasets = repo().join("datasets").canonicalize().unwrap();
    let mut scratch: Option<(usize, tempfile::TempDir)> = None;
    for example in commands {
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
        let shown = format!("README line {}: cascade {}", example.line, args.join(" "));
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
}

#[test]
fn the_readme_parser_finds_commands_and_cuts_counts() {
    let text = "```sh\ncascade run --reps 50 --json r.json   # compare\nscripts/setup\n\
                cascade grid --print-config > g.toml\n```\n\
                ```rust\ncascade run\n```\n\
                ```sh\ncargo run --release -p cascade-cli -- run --dim 20\n```\n";
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
