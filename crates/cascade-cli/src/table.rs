//! The results table printed by `cascade run`.

use cascade::report::MethodReport;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};

/// One row per method: mean test MSE and RMSE (mean over tasks) as mean +- std over
/// repetitions with the standard error of the mean, steps used and seconds; the best mean MSE
/// is marked with `*`.
pub fn results(reports: &[MethodReport]) -> Table {
    let mut table = Table::new();
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "method",
        "test MSE (mean +- std)",
        "MSE s.e.",
        "test RMSE (mean +- std)",
        "RMSE s.e.",
        "steps",
        "seconds",
    ]);
    let best = reports
        .iter()
        .map(|r| r.mse_stats().mean)
        .fold(f64::INFINITY, f64::min);
    for report in reports {
        let mse = report.mse_stats();
        let rmse = report.rmse_stats();
        let mark = if mse.mean == best { " *" } else { "" };
        let steps = report.steps.iter().sum::<usize>() as f64 / report.steps.len() as f64;
        table.add_row(vec![
            format!("{}{mark}", report.method),
            format!("{:.1} +- {:.1}", mse.mean, mse.std),
            format!("{:.1}", mse.stderr),
            format!("{:.3} +- {:.3}", rmse.mean, rmse.std),
            format!("{:.3}", rmse.stderr),
            format!("{steps:.0}"),
            format!("{:.2}", report.total_seconds()),
        ]);
    }
    for column in 1..7 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}
