//! `cascade bench --check`: every executor and device must reach the same test error on the
//! same configuration, or the command fails naming the first pair that does not.

use crate::error::CliError;

/// Largest relative difference of test MSE (relative to max(MSE, 1)) two runs of one
/// configuration may show: f32 training on different devices and layouts sums in different
/// orders, which a few steps carry to about 1e-5; a wrong kernel moves the error by far more.
pub const TOLERANCE: f64 = 1e-3;

/// One measured run: what must agree (`config`: T, model, method), who ran it, its error.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The configuration (T, model without its layout, method).
    pub config: String,
    /// Device and executor (and layout) that ran it.
    pub runner: String,
    /// Its mean test MSE.
    pub mse: f64,
}

/// The number of configurations compared (those run at least twice), or an error naming the
/// first pair of runners that disagree beyond [`TOLERANCE`], or saying that nothing was
/// compared (a check that compares nothing must not pass).
pub fn check_agreement(runs: &[Measured]) -> Result<usize, CliError> {
    let mut compared = 0;
    for (i, first) in runs.iter().enumerate() {
        if runs[..i].iter().any(|r| r.config == first.config) {
            continue;
        }
        let same: Vec<&Measured> = runs[i..]
            .iter()
            .filter(|r| r.config == first.config)
            .collect();
        if same.len() > 1 {
            compared += 1;
        }
        for other in &same[1..] {
            let gap = (other.mse - first.mse).abs() / first.mse.abs().max(1.0);
            if gap.is_nan() || gap > TOLERANCE {
                return Err(CliError::Check(format!(
                    "{}: {} reached test MSE {} but {} reached {} (relative gap {gap:.2e}, \
                     tolerance {TOLERANCE:.0e})",
                    first.config, first.runner, first.mse, other.runner, other.mse
                )));
            }
        }
    }
    if compared == 0 {
        return Err(CliError::Check(
            "nothing was compared: --check needs each configuration run by at least two \
             executors or devices (is --reference-max-tasks below every --tasks count?)"
                .into(),
        ));
    }
    Ok(compared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: &str, runner: &str, mse: f64) -> Measured {
        Measured {
            config: config.into(),
            runner: runner.into(),
            mse,
        }
    }

    #[test]
    fn agreeing_runs_pass_and_the_first_disagreement_is_named() {
        let runs = [
            run("T=4 cnn indiv", "flex reference", 0.5),
            run("T=4 cnn indiv", "wgpu batched", 0.5000001),
            run("T=4 cnn mst", "flex reference", 0.4),
            run("T=8 cnn mst", "flex reference", 0.4),
        ];
        assert_eq!(check_agreement(&runs).unwrap(), 1);
        let err = check_agreement(&runs[2..]).unwrap_err().to_string();
        assert!(err.contains("nothing was compared"), "{err}");
        let mut bad = runs.to_vec();
        bad.push(run("T=4 cnn mst", "wgpu batched", 0.41));
        let err = check_agreement(&bad).unwrap_err().to_string();
        assert!(
            err.contains(
                "T=4 cnn mst: flex reference reached test MSE 0.4 but wgpu batched reached 0.41"
            ),
            "{err}"
        );
        bad.push(run("T=8 cnn mst", "wgpu batched", f64::NAN));
        bad.remove(4);
        assert!(check_agreement(&bad).is_err());
    }
}
