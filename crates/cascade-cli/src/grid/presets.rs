//! The built-in grids, kept as grid files so `--print-config` shows exactly what runs and a
//! user can start their own grid from one.

use super::spec::GridFile;
use crate::error::CliError;

/// Name and grid file of every preset.
pub const PRESETS: [(&str, &str); 6] = [
    (
        "paper-synthetic",
        include_str!("presets/paper-synthetic.toml"),
    ),
    ("paper-stated", include_str!("presets/paper-stated.toml")),
    (
        "ablation-budget",
        include_str!("presets/ablation-budget.toml"),
    ),
    (
        "paper-electricity",
        include_str!("presets/paper-electricity.toml"),
    ),
    ("paper-fmnist", include_str!("presets/paper-fmnist.toml")),
    ("paper-cifar10", include_str!("presets/paper-cifar10.toml")),
];

/// The preset called `name`.
pub fn preset(name: &str) -> Result<GridFile, CliError> {
    let Some((_, text)) = PRESETS.iter().find(|(n, _)| *n == name.trim()) else {
        let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        return Err(CliError::Usage {
            option: "--preset",
            reason: format!(
                "unknown preset '{name}'; expected one of: {}",
                names.join(", ")
            ),
        });
    };
    GridFile::parse(text, false, &format!("preset {name}"))
}

#[cfg(test)]
mod tests {
    use cascade::budget::Rounding;
    use cascade::root::RootRule;
    use cascade::train::Eta;

    use super::*;

    #[test]
    fn every_preset_expands() {
        let expected = [
            ("paper-synthetic", 9),
            ("paper-stated", 9),
            ("ablation-budget", 30),
            ("paper-electricity", 2),
            ("paper-fmnist", 1),
            ("paper-cifar10", 1),
        ];
        for (name, settings) in expected {
            let file = preset(name).unwrap();
            assert!(file.description.is_some(), "{name}");
            assert_eq!(file.settings(name).unwrap().len(), settings, "{name}");
        }
        let synthetic = preset("paper-synthetic").unwrap().settings("s").unwrap();
        // SPEC 7: the research notebook's settings.
        let args = &synthetic[0].args;
        assert_eq!((args.data.features, args.data.sigma), (3, 5.0));
        assert_eq!(args.method.eta, Eta::Fixed(0.00121423383766747));
        assert_eq!(args.method.seed_fraction, 0.2791730181429596);
        assert_eq!(args.method.root, RootRule::FeatureMedoid);
        assert_eq!(args.method.rounding, Rounding::FloorDivision);
        assert_eq!(synthetic[0].label(), "tau-within=2, budget=500");
        assert_eq!(synthetic[8].label(), "tau-within=10, budget=2000");
        let stated = preset("paper-stated").unwrap().settings("s").unwrap();
        // SPEC 6: the paper's stated settings, whatever cascade run's defaults are.
        let args = &stated[0].args;
        assert_eq!((args.data.features, args.data.sigma), (5, 10.0));
        assert_eq!(args.method.eta, Eta::Fixed(0.01));
        assert!(preset("paper-mnist").is_err());
    }
}
