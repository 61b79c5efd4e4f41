//! The bad-input catalogue, `docs/errors.md`, cannot drift: every row of its tables is run here
//! as written, in a fresh folder with the setup it names, and must end stderr with exactly the
//! line shown and exit with the code shown. The page's "How an entry is checked" section is the
//! contract this file implements.

mod common;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use common::{cascade, repo};

/// The header of a catalogue table; other tables of the page are not entries.
const HEADER: [&str; 6] = ["id", "bad input", "setup", "command", "stderr", "exit"];

/// Fewest entries the page may hold: fewer means the tables were lost or not found.
const MIN_ENTRIES: usize = 40;

/// Lines allowed before the error line: a reader's notes and the heading of `plan --jobs`,
/// which say what the command read or is about to do.
const TOLERATED: [&str; 2] = ["note: ", "planning "];

/// One bad input: a row of a catalogue table.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// Its id (the first column).
    id: String,
    /// The page's line it is on.
    line: usize,
    /// Setup steps, in order.
    setup: Vec<String>,
    /// The command, `cascade ...`.
    command: String,
    /// The line stderr must end with.
    stderr: String,
    /// The exit code.
    exit: i32,
}

/// Everything the page defines: entries, fixture files and recipes.
#[derive(Debug, Default)]
struct Catalogue {
    entries: Vec<Entry>,
    /// `fixture=NAME` blocks: the file's bytes.
    fixtures: HashMap<String, Vec<u8>>,
    /// `recipe=NAME` blocks: their steps.
    recipes: HashMap<String, Vec<String>>,
}

/// The cells of a Markdown table row, split at unescaped `|`, trimmed, `\|` read as `|`.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// The text of a cell that is one code span (any number of backticks; one space each side
/// dropped when both are there, as CommonMark does), `""` for an empty cell.
fn code_span(cell: &str) -> Result<String, String> {
    if cell.is_empty() {
        return Ok(String::new());
    }
    let ticks = cell.chars().take_while(|&c| c == '`').count();
    let fence = "`".repeat(ticks);
    let inner = cell
        .get(ticks..cell.len().saturating_sub(ticks))
        .filter(|_| ticks > 0 && cell.len() >= 2 * ticks && cell.ends_with(&fence))
        .ok_or_else(|| format!("'{cell}' is not one code span"))?;
    Ok(
        match inner.strip_prefix(' ').and_then(|s| s.strip_suffix(' ')) {
            Some(trimmed) if !trimmed.trim().is_empty() => trimmed.to_string(),
            _ => inner.to_string(),
        },
    )
}

/// Bytes written in hex, `xx*N` for N copies; `#` starts a comment.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for word in text
        .lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace())
    {
        let (byte, count) = match word.split_once('*') {
            Some((b, n)) => (b, n.parse::<usize>().map_err(|e| format!("{word}: {e}"))?),
            None => (word, 1),
        };
        let byte = u8::from_str_radix(byte, 16).map_err(|e| format!("{word}: {e}"))?;
        bytes.extend(std::iter::repeat_n(byte, count));
    }
    Ok(bytes)
}

/// Reads the page: the rows of every table headed [`HEADER`], and its fixture and recipe blocks.
fn parse(text: &str) -> Result<Catalogue, String> {
    let mut catalogue = Catalogue::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(info) = line.strip_prefix("```") {
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim() == "```")
                .ok_or_else(|| format!("line {}: a code block that never ends", i + 1))?;
            let body: String = lines[i + 1..end].iter().map(|l| format!("{l}\n")).collect();
            let mut words = info.split_whitespace();
            let lang = words.next().unwrap_or("");
            for word in words {
                if let Some(name) = word.strip_prefix("fixture=") {
                    let bytes = if lang == "hex" {
                        hex(&body).map_err(|e| format!("line {}: {e}", i + 1))?
                    } else {
                        body.clone().into_bytes()
                    };
                    catalogue.fixtures.insert(name.to_string(), bytes);
                } else if let Some(name) = word.strip_prefix("recipe=") {
                    let steps = body.lines().map(str::trim).filter(|l| !l.is_empty());
                    let steps = steps.map(String::from).collect();
                    catalogue.recipes.insert(name.to_string(), steps);
                }
            }
            i = end + 1;
            continue;
        }
        if line.starts_with('|') && cells(line) == HEADER {
            i += 2; // the header and its |---| row
            while i < lines.len() && lines[i].trim().starts_with('|') {
                catalogue.entries.push(entry(lines[i], i + 1)?);
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    Ok(catalogue)
}

/// One table row as an [`Entry`].
fn entry(row: &str, line: usize) -> Result<Entry, String> {
    let at = |e: String| format!("line {line}: {e}");
    let cells = cells(row);
    let [id, _, setup, command, stderr, exit] = cells.as_slice() else {
        return Err(at(format!("{} cells, not 6: {row}", cells.len())));
    };
    let setup = code_span(setup).map_err(at)?;
    Ok(Entry {
        id: id.clone(),
        line,
        setup: setup
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        command: code_span(command).map_err(at)?,
        stderr: code_span(stderr).map_err(at)?,
        exit: exit
            .parse()
            .map_err(|e| at(format!("exit '{exit}': {e}")))?,
    })
}

/// Copies the files and folders under `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for item in fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        let target = to.join(item.file_name());
        if item.file_type().unwrap().is_dir() {
            copy_tree(&item.path(), &target);
        } else {
            fs::copy(item.path(), target).unwrap();
        }
    }
}

/// Writes `bytes` at `dir/name`, making its folders.
fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// PNG images of `size` (`WxH`), grey or colour, the i-th of `paths` a gradient
/// `(40 i + 7 x + 13 y) mod 256`.
fn pngs(dir: &Path, size: &str, colour: &str, paths: &[String]) -> Result<(), String> {
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("png size '{size}' is not WxH"))?;
    for (i, name) in paths.iter().enumerate() {
        let value = |x: u32, y: u32| ((40 * i as u32 + 7 * x + 13 * y) % 256) as u8;
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        match colour {
            "gray" => image::GrayImage::from_fn(w, h, |x, y| image::Luma([value(x, y)]))
                .save(&path)
                .unwrap(),
            "rgb" => image::RgbImage::from_fn(w, h, |x, y| image::Rgb([value(x, y); 3]))
                .save(&path)
                .unwrap(),
            other => return Err(format!("png colour '{other}' is not gray or rgb")),
        }
    }
    Ok(())
}

/// Runs the setup steps of an entry or a recipe in `dir`; `built` holds the recipes built so
/// far (each once), `used` collects the fixtures and recipes named.
struct Setup<'a> {
    catalogue: &'a Catalogue,
    built: HashMap<String, tempfile::TempDir>,
    used: HashSet<String>,
}

impl Setup<'_> {
    fn run(&mut self, step: &str, dir: &Path) -> Result<(), String> {
        let step = step.replace("$DIR", dir.to_str().unwrap());
        let words = shlex::split(&step).ok_or_else(|| format!("unbalanced quotes: {step}"))?;
        let path = |i: usize| -> Result<std::path::PathBuf, String> {
            let word = words
                .get(i)
                .ok_or_else(|| format!("'{step}' lacks a path"))?;
            Ok(dir.join(word))
        };
        let arg = |i: usize| -> Result<&str, String> {
            words
                .get(i)
                .map(String::as_str)
                .ok_or_else(|| format!("'{step}' lacks an argument"))
        };
        match words.first().map(String::as_str) {
            Some(name) if words.len() == 1 && self.catalogue.fixtures.contains_key(name) => {
                self.used.insert(name.to_string());
                write(dir, name, &self.catalogue.fixtures[name]);
            }
            Some(name) if words.len() == 1 && self.catalogue.recipes.contains_key(name) => {
                self.used.insert(name.to_string());
                copy_tree(self.built(name)?, dir);
            }
            Some("cascade") => {
                let out = cascade()
                    .current_dir(dir)
                    .args(&words[1..])
                    .output()
                    .unwrap();
                if !out.status.success() {
                    return Err(format!(
                        "setup '{step}' failed:\n{}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
            Some("png") => pngs(dir, arg(1)?, arg(2)?, &words[3..])?,
            Some("write") => write(dir, arg(1)?, arg(2)?.replace("\\n", "\n").as_bytes()),
            Some("hex") => write(dir, arg(1)?, &hex(&words[2..].join(" "))?),
            Some("truncate") => {
                let bytes = fs::read(path(1)?).map_err(|e| format!("{step}: {e}"))?;
                let keep: usize = arg(2)?.parse().map_err(|e| format!("{step}: {e}"))?;
                fs::write(path(1)?, &bytes[..keep.min(bytes.len())]).unwrap();
            }
            Some("replace") => {
                let text = fs::read_to_string(path(1)?).map_err(|e| format!("{step}: {e}"))?;
                if !text.contains(arg(2)?) {
                    return Err(format!("{step}: '{}' is not in the file", arg(2)?));
                }
                fs::write(path(1)?, text.replace(arg(2)?, arg(3)?)).unwrap();
            }
            Some("remove") => {
                let target = path(1)?;
                let removed = if target.is_dir() {
                    fs::remove_dir_all(&target)
                } else {
                    fs::remove_file(&target)
                };
                removed.map_err(|e| format!("{step}: {e}"))?;
            }
            Some("mkdir") => fs::create_dir_all(path(1)?).unwrap(),
            _ => return Err(format!("unknown setup step '{step}'")),
        }
        Ok(())
    }

    /// The folder recipe `name` built into, building it the first time.
    fn built(&mut self, name: &str) -> Result<&Path, String> {
        if !self.built.contains_key(name) {
            let folder = tempfile::tempdir().unwrap();
            let dir = folder.path().canonicalize().unwrap();
            for step in self.catalogue.recipes[name].clone() {
                self.run(&step, &dir)
                    .map_err(|e| format!("recipe {name}: {e}"))?;
            }
            self.built.insert(name.to_string(), folder);
        }
        Ok(self.built[name].path())
    }
}

/// Runs one entry in a fresh folder; `Err` says how it differs from the page.
fn check(entry: &Entry, setup: &mut Setup) -> Result<(), String> {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().canonicalize().unwrap();
    for step in &entry.setup {
        setup.run(step, &dir)?;
    }
    let dir_text = dir.to_str().unwrap();
    let command = entry.command.replace("$DIR", dir_text);
    let words = shlex::split(&command).ok_or_else(|| format!("unbalanced quotes: {command}"))?;
    if words.first().map(String::as_str) != Some("cascade") {
        return Err(format!(
            "the command does not start with `cascade`: {command}"
        ));
    }
    let out = cascade()
        .current_dir(&dir)
        .env("CASCADE_MEMORY_GB", "24")
        .args(&words[1..])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let expected = entry.stderr.replace("$DIR", dir_text);
    let (last, before) = lines.split_last().unwrap_or((&"", &[]));
    let stray = before
        .iter()
        .find(|l| !TOLERATED.iter().any(|p| l.starts_with(p)));
    let code = out.status.code();
    if *last == expected && stray.is_none() && code == Some(entry.exit) {
        return Ok(());
    }
    Err(format!(
        "expected exit {} and stderr ending with\n    {expected}\n  got exit {code:?} and stderr\n{}{}",
        entry.exit,
        lines
            .iter()
            .map(|l| format!("    {l}\n"))
            .collect::<String>(),
        stray.map_or(String::new(), |l| format!(
            "  (a line other than notes and headings before the error: {l})\n"
        )),
    ))
}

#[test]
fn every_bad_input_of_the_catalogue_fails_as_documented() {
    let path = repo().join("docs/errors.md");
    let text = fs::read_to_string(&path).expect("docs/errors.md exists");
    let catalogue = parse(&text).unwrap_or_else(|e| panic!("docs/errors.md: {e}"));
    let n = catalogue.entries.len();
    assert!(
        n >= MIN_ENTRIES,
        "docs/errors.md holds {n} entries, fewer than {MIN_ENTRIES}: tables lost or unreadable"
    );
    let mut ids = HashSet::new();
    for entry in &catalogue.entries {
        assert!(ids.insert(&entry.id), "the id {} is used twice", entry.id);
    }
    let start = std::time::Instant::now();
    let mut setup = Setup {
        catalogue: &catalogue,
        built: HashMap::new(),
        used: HashSet::new(),
    };
    let failures: Vec<String> = catalogue
        .entries
        .iter()
        .filter_map(|entry| {
            check(entry, &mut setup)
                .err()
                .map(|e| format!("{} (docs/errors.md line {}):\n  {e}", entry.id, entry.line))
        })
        .collect();
    let mut unused: Vec<&String> = (catalogue.fixtures.keys())
        .chain(catalogue.recipes.keys())
        .filter(|name| !setup.used.contains(*name))
        .collect();
    unused.sort();
    eprintln!("{n} entries in {:.1} s", start.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {n} entries of docs/errors.md differ from what cascade does:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(unused.is_empty(), "fixtures no entry uses: {unused:?}");
}

#[test]
fn the_page_reader_takes_code_spans_escaped_pipes_fixtures_and_recipes() {
    let page = "\
intro | not a table row\n\
| id | bad input | setup | command | stderr | exit |\n\
|---|---|---|---|---|---|\n\
| a-1 | a pipe | `x.csv; write y 'a\\nb'` | `cascade run --images a\\|b` | `` error: `x` \\| y `` | 2 |\n\
| a-2 | none | | `cascade rnu` | `error: z` | 1 |\n\
\n\
```hex fixture=x.bin\n\
0c 00*3   # a comment\n\
```\n\
\n\
```text recipe=r\n\
x.bin\n\
cascade train\n\
```\n";
    let catalogue = parse(page).unwrap();
    assert_eq!(
        catalogue.entries,
        [
            Entry {
                id: "a-1".into(),
                line: 4,
                setup: vec!["x.csv".into(), "write y 'a\\nb'".into()],
                command: "cascade run --images a|b".into(),
                stderr: "error: `x` | y".into(),
                exit: 2,
            },
            Entry {
                id: "a-2".into(),
                line: 5,
                setup: vec![],
                command: "cascade rnu".into(),
                stderr: "error: z".into(),
                exit: 1,
            },
        ]
    );
    assert_eq!(catalogue.fixtures["x.bin"], [12, 0, 0, 0]);
    assert_eq!(catalogue.recipes["r"], ["x.bin", "cascade train"]);
    assert!(code_span("`a` b").is_err());
    assert_eq!(code_span("`` `a` ``").unwrap(), "`a`");
    assert_eq!(code_span("`  `").unwrap(), "  ");
}
