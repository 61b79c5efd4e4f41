//! The results table printed by `cascade run`.

use cascade::report::MethodReport;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};

/// One row per method, the metric as mean +- std over repetitions (each repetition's value is
/// a mean over tasks) with the standard error of the mean, then steps used, seconds, and the
/// executor and device that trained the method (`host-linear on host`, `batched on wgpu`; `-`
/// for the Mean baseline, which trains nothing).
///
/// Regression: test MSE and RMSE in the target's units, the best (lowest) mean MSE marked `*`.
/// Binary labels: test accuracy in percent and the Brier score, the best (highest) accuracy
/// marked `*`.
pub fn results(reports: &[MethodReport]) -> Table {
    let binary = reports.iter().all(|r| r.accuracy_stats().is_some()) && !reports.is_empty();
    let mut table = Table::new();
    let header = if binary {
        [
            "method",
            "test accuracy % (mean +- std)",
            "acc. s.e.",
            "Brier score (mean +- std)",
            "Brier s.e.",
        ]
    } else {
        [
            "method",
            "test MSE (mean +- std)",
            "MSE s.e.",
            "test RMSE (mean +- std)",
            "RMSE s.e.",
        ]
    };
    let mut header: Vec<&str> = header.to_vec();
    header.extend(["steps", "seconds", "trained by"]);
    table.load_preset(ASCII_MARKDOWN).set_header(header);
    // Higher accuracy is better; lower MSE is better: rank on a score where lower wins.
    let score = |r: &MethodReport| match r.accuracy_stats() {
        Some(acc) if binary => -acc.mean,
        _ => r.mse_stats().mean,
    };
    let best = reports.iter().map(score).fold(f64::INFINITY, f64::min);
    for report in reports {
        let mark = if score(report) == best { " *" } else { "" };
        let steps = report.steps.iter().sum::<usize>() as f64 / report.steps.len() as f64;
        let mse = report.mse_stats();
        let mut row = vec![format!("{}{mark}", report.method)];
        match report.accuracy_stats() {
            Some(acc) if binary => row.extend([
                format!("{:.2} +- {:.2}", 100.0 * acc.mean, 100.0 * acc.std),
                format!("{:.2}", 100.0 * acc.stderr),
                format!("{:.4} +- {:.4}", mse.mean, mse.std),
                format!("{:.4}", mse.stderr),
            ]),
            _ => {
                let rmse = report.rmse_stats();
                let (m, r) = (decimals(mse.mean), decimals(rmse.mean));
                row.extend([
                    format!("{:.m$} +- {:.m$}", mse.mean, mse.std),
                    format!("{:.m$}", mse.stderr),
                    format!("{:.r$} +- {:.r$}", rmse.mean, rmse.std),
                    format!("{:.r$}", rmse.stderr),
                ]);
            }
        }
        row.extend([
            format!("{steps:.0}"),
            format!("{:.2}", report.total_seconds()),
            match report.trained_by.executor.as_str() {
                "none" => "-".to_string(),
                _ => report.trained_by.to_string(),
            },
        ]);
        table.add_row(row);
    }
    for column in 1..7 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Decimals that show `value` to four significant digits (974.3, 29.52, 0.09512), at most 6.
pub fn decimals(value: f64) -> usize {
    if value == 0.0 || !value.is_finite() {
        return 1;
    }
    (3 - value.abs().log10().floor() as i64).clamp(0, 6) as usize
}

#[cfg(test)]
mod tests {
    use super::decimals;

    #[test]
    fn four_significant_digits() {
        assert_eq!(format!("{:.*}", decimals(974.3), 974.3), "974.3");
        assert_eq!(format!("{:.*}", decimals(29.516), 29.516), "29.52");
        assert_eq!(format!("{:.*}", decimals(0.095123), 0.095123), "0.09512");
        assert_eq!(format!("{:.*}", decimals(12345.6), 12345.6), "12346");
        assert_eq!(decimals(1e-9), 6);
    }
}
