//! Sample figures for looking at by eye: `CASCADE_PLOT_SAMPLES=DIR cargo test --release
//! -p cascade-cli plots::samples -- --ignored` writes them into DIR.

use std::path::PathBuf;

use super::{Bar, BarGroup, Series, error_vs_budget, grouped_bars, tree};

/// A small deterministic generator, so the samples need no `rand` setup.
fn noise(i: usize) -> f64 {
    let x = (i as f64 * 12.9898).sin() * 43758.5453;
    x - x.floor()
}

#[test]
#[ignore = "writes sample figures into $CASCADE_PLOT_SAMPLES"]
fn write_samples() {
    let dir =
        PathBuf::from(std::env::var("CASCADE_PLOT_SAMPLES").expect("set CASCADE_PLOT_SAMPLES"));
    std::fs::create_dir_all(&dir).unwrap();

    // 60 tasks in 5 clusters: one cluster head under the root, chains and branches below.
    let mut parents = vec![None];
    let heads: Vec<usize> = (1..=5).collect();
    parents.extend(heads.iter().map(|_| Some(0)));
    while parents.len() < 60 {
        let v = parents.len();
        let head = heads[v % 5];
        // Hang under the head, or under an earlier task of the same cluster.
        let same: Vec<usize> = (6..v).filter(|&u| u % 5 == v % 5).collect();
        let parent = if same.is_empty() || noise(v) < 0.35 {
            head
        } else {
            same[(noise(v + 100) * same.len() as f64) as usize]
        };
        parents.push(Some(parent));
    }
    let errors: Vec<f64> = (0..60).map(|v| 0.2 + 0.6 * noise(v + 7)).collect();
    tree(
        &dir.join("tree"),
        "Cascade tree (CTL, repetition 0)",
        &parents,
        &errors,
        "test MSE",
    )
    .unwrap();

    let methods = [
        "Indiv",
        "Pool",
        "CTL",
        "CTL-oracle",
        "Random tree",
        "MAML-like baseline",
    ];
    let groups: Vec<BarGroup> = (0..9)
        .map(|g| BarGroup {
            label: format!(
                "tau-within={}, budget={}",
                [1, 2, 4][g % 3],
                [500, 2000, 8000][g / 3]
            ),
            bars: methods
                .iter()
                .enumerate()
                .map(|(m, name)| Bar {
                    method: name.to_string(),
                    mean: 0.3 + 0.5 * noise(g * 10 + m),
                    std: 0.02 + 0.08 * noise(g * 10 + m + 500),
                })
                .collect(),
        })
        .collect();
    grouped_bars(
        &dir.join("bars"),
        "Test MSE by setting",
        "test MSE",
        &groups,
    )
    .unwrap();

    let series: Vec<Series> = methods
        .iter()
        .enumerate()
        .map(|(m, name)| Series {
            name: name.to_string(),
            points: [500.0, 2000.0, 8000.0]
                .iter()
                .enumerate()
                .map(|(b, &budget)| {
                    let mean = (0.9 - 0.08 * m as f64) / (1.0 + b as f64 * 0.6);
                    (budget, mean, 0.03 + 0.04 * noise(m * 3 + b))
                })
                .collect(),
        })
        .collect();
    error_vs_budget(
        &dir.join("budget"),
        "Test MSE against budget",
        "test MSE",
        &series,
    )
    .unwrap();

    // The large cases the figures must survive: 15 methods x 10 long-labelled groups, 2000
    // tasks in one tree, 2000 separate tasks, a chain of 300, 15 lines over many budgets.
    let methods: Vec<String> = (0..15).map(|m| format!("method number {m}")).collect();
    let groups: Vec<BarGroup> = (0..10)
        .map(|g| BarGroup {
            label: format!(
                "tau-within={g}, tau-between=0.5, budget={}, data=synthetic-long-name",
                500 * (g + 1)
            ),
            bars: methods
                .iter()
                .enumerate()
                .map(|(m, name)| Bar {
                    method: name.clone(),
                    mean: 1.0 - 2.0 * noise(g * 20 + m),
                    std: 0.1 * noise(g * 20 + m + 900),
                })
                .collect(),
        })
        .collect();
    grouped_bars(
        &dir.join("stress_bars"),
        "15 methods x 10 groups",
        "test accuracy",
        &groups,
    )
    .unwrap();

    let parents: Vec<Option<usize>> = (0..2000usize)
        .map(|v| v.checked_sub(1).map(|_| (noise(v) * v as f64) as usize))
        .collect();
    let errors: Vec<f64> = (0..2000).map(|v| noise(v + 3)).collect();
    tree(
        &dir.join("stress_tree"),
        "2000 tasks",
        &parents,
        &errors,
        "test accuracy",
    )
    .unwrap();
    tree(
        &dir.join("stress_forest"),
        "Indiv: 2000 roots",
        &vec![None; 2000],
        &errors,
        "test MSE",
    )
    .unwrap();
    let chain: Vec<Option<usize>> = (0..300usize).map(|v| v.checked_sub(1)).collect();
    tree(
        &dir.join("stress_chain"),
        "A chain of 300",
        &chain,
        &errors[..300],
        "test MSE",
    )
    .unwrap();

    let series: Vec<Series> = methods
        .iter()
        .enumerate()
        .map(|(m, name)| Series {
            name: name.clone(),
            points: (0..20)
                .map(|b| {
                    (
                        100.0 * 1.5f64.powi(b),
                        1.0 / (1.0 + f64::from(b)) + 0.05 * m as f64,
                        0.03,
                    )
                })
                .collect(),
        })
        .collect();
    error_vs_budget(
        &dir.join("stress_budget"),
        "15 lines x 20 budgets",
        "test MSE",
        &series,
    )
    .unwrap();
}
