//! One plain sentence under a results table: does the best cascade beat training every task
//! alone (Indiv), the pooled model (Global) and predicting each task's training mean (Mean)?
//! Each comparison is a paired t-test over the repetitions, which share data and
//! initialisations, so a reader never has to guess from overlapping error bars.

use cascade::method::Method;
use cascade::report::MethodReport;

use crate::metric::Metric;
use crate::paired::paired_t_test;
use crate::table::decimals;

/// The sentence for `reports` (one setting's methods over the same repetitions), or `None`
/// without a cascade (Star, RandTree, MST) or without a baseline to compare it with.
pub fn verdict(reports: &[MethodReport]) -> Option<String> {
    let metric = if reports.iter().all(|r| !r.accuracy.is_empty()) {
        Metric::Accuracy
    } else {
        Metric::Mse
    };
    let values = |r: &MethodReport| -> Vec<f64> {
        match metric {
            Metric::Accuracy => r.accuracy.iter().map(|a| 100.0 * a).collect(),
            _ => r.mse.clone(),
        }
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let rank = |r: &MethodReport| metric.rank_key(mean(&values(r)));
    let is_cascade = |m: &Method| {
        matches!(
            m,
            Method::Star | Method::RandTree(_) | Method::Mst(_) | Method::ShapedMst { .. }
        )
    };
    let best = reports
        .iter()
        .filter(|r| is_cascade(&r.method))
        .min_by(|a, b| rank(a).total_cmp(&rank(b)))?;
    let best_values = values(best);
    let shown = |v: f64| format!("{v:.*}", decimals(v));
    let mut parts = Vec::new();
    let baselines = reports
        .iter()
        .filter(|r| matches!(r.method, Method::FedAvg { .. }))
        .map(|r| r.method);
    for baseline in [Method::Indiv, Method::Global]
        .into_iter()
        .chain(baselines)
        .chain([Method::Mean])
    {
        let Some(other) = reports.iter().find(|r| r.method == baseline) else {
            continue;
        };
        let other_values = values(other);
        let (ours, theirs) = (mean(&best_values), mean(&other_values));
        let (ours_key, theirs_key) = (metric.rank_key(ours), metric.rank_key(theirs));
        let verb = if ours_key < theirs_key {
            "beats"
        } else if ours_key > theirs_key {
            "loses to"
        } else {
            "ties with"
        };
        parts.push(match paired_t_test(&best_values, &other_values, "") {
            Some(test) if test.significant() => {
                format!("{verb} {baseline} ({}, {})", shown(theirs), p(test.p_value))
            }
            Some(test) => format!(
                "is level with {baseline} ({}, {}: not significant)",
                shown(theirs),
                p(test.p_value)
            ),
            None => format!("{verb} {baseline} ({}, untested)", shown(theirs)),
        });
    }
    if parts.is_empty() {
        return None;
    }
    let reps = best_values.len();
    let mut sentence = format!(
        "verdict ({}, paired t-tests over {reps} repetition{}): the best cascade, {} ({}), {}",
        metric.label(),
        if reps == 1 { "" } else { "s" },
        best.method,
        shown(mean(&best_values)),
        join(&parts)
    );
    let overall = reports
        .iter()
        .min_by(|a, b| rank(a).total_cmp(&rank(b)))
        .expect("reports hold the best cascade");
    if !is_cascade(&overall.method) {
        sentence.push_str(&format!(
            "; the best method here is {}, not a cascade",
            overall.method
        ));
    }
    sentence.push('.');
    Some(sentence)
}

fn p(value: f64) -> String {
    if value < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {value:.3}")
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(method: Method, mse: &[f64]) -> MethodReport {
        MethodReport {
            mse: mse.to_vec(),
            ..MethodReport::new(method)
        }
    }

    #[test]
    fn says_plainly_who_wins() {
        let reports = [
            report(Method::Mean, &[10.0, 11.0, 12.0]),
            report(Method::Indiv, &[5.0, 6.0, 7.0]),
            report(Method::Global, &[3.0, 3.1, 2.9]),
            report(Method::Star, &[4.0, 5.1, 5.9]),
            report(
                Method::Mst(cascade::distance::Distance::Gradient),
                &[4.5, 5.0, 6.0],
            ),
        ];
        let text = verdict(&reports).unwrap();
        // Star - Indiv differences are -1.0, -0.9, -1.1: mean -1, sd 0.1, t = -17.3 with 2
        // degrees of freedom, p = 0.0033 (scipy.stats.ttest_rel); Star - Global: 1.0, 2.0,
        // 3.0, t = 3.46, p = 0.074; Star - Mean: -6.0, -5.9, -6.1, t = -103.9, p = 9.3e-5.
        assert_eq!(
            text,
            "verdict (test MSE, paired t-tests over 3 repetitions): the best cascade, star \
             (5.000), beats indiv (6.000, p = 0.003), is level with global (3.000, p = 0.074: \
             not significant) and beats mean (11.00, p < 0.001); the best method here is \
             global, not a cascade."
        );
        assert!(verdict(&reports[..3]).is_none());
    }
}
