//! `cascade bench --distances`: seconds to compute each task distance over synthetic tasks
//! (SPEC 4's generator: 64 training rows, 5 features) at each `--tasks` count, the median of
//! `--repeats` runs, with the pairs per second.

use std::time::Instant;

use cascade::distance::{Distance, compute_standardised};
use cascade_data::StandardisedTaskSet;
use cascade_data::synthetic::SyntheticConfig;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::args::BenchArgs;
use crate::error::CliError;
use crate::output::write_json;

/// One distance at one task count.
#[derive(Debug, Clone, Serialize)]
struct Row {
    tasks: usize,
    distance: String,
    /// Median seconds over the repeats.
    seconds: f64,
    /// Every repeat's seconds.
    runs: Vec<f64>,
    /// Task pairs `T (T - 1) / 2` per second at the median.
    pairs_per_s: f64,
}

/// Times every distance of [`Distance::EVERY`] and prints (and optionally writes) the table.
pub fn bench_distances(args: &BenchArgs) -> Result<(), CliError> {
    let mut rows = Vec::new();
    for &tasks in &args.tasks {
        let mut rng = StdRng::seed_from_u64(args.method.seed);
        let set = SyntheticConfig {
            n_tasks: tasks,
            ..Default::default()
        }
        .generate(&mut rng)?;
        let data = StandardisedTaskSet::new(&set);
        for kind in Distance::EVERY {
            let mut runs = Vec::with_capacity(args.repeats);
            for _ in 0..args.repeats.max(1) {
                let start = Instant::now();
                let matrix = compute_standardised(&data, kind)?;
                runs.push(start.elapsed().as_secs_f64());
                std::hint::black_box(matrix);
            }
            let mut sorted = runs.clone();
            sorted.sort_by(f64::total_cmp);
            let seconds = sorted[sorted.len() / 2];
            let pairs = (tasks * (tasks - 1) / 2) as f64;
            eprintln!("T = {tasks} {kind}: {seconds:.4} s");
            rows.push(Row {
                tasks,
                distance: kind.to_string(),
                seconds,
                runs,
                pairs_per_s: pairs / seconds,
            });
        }
    }
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "T",
        "distance",
        "seconds (median)",
        "pairs/s",
    ]);
    for r in &rows {
        table.add_row(vec![
            r.tasks.to_string(),
            r.distance.clone(),
            format!("{:.4}", r.seconds),
            format!("{:.3e}", r.pairs_per_s),
        ]);
    }
    for column in [0, 2, 3] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    println!("{table}");
    if let Some(path) = &args.json {
        write_json(path, &rows)?;
        eprintln!("benchmark written to {}", path.display());
    }
    Ok(())
}
