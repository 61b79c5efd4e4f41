//! Parsing the data options of `--data` sources that are more than a number: image features,
//! `--image-tasks` and date ranges.

use cascade_data::images::{PairFeatures, Standardise};

use crate::args::DataArgs;
use crate::error::CliError;

/// The image features and pixel scaling of `--pca` and `--pixel-scaling`.
pub fn image_features(args: &DataArgs) -> Result<(PairFeatures, Standardise), CliError> {
    let features = if args.pca == 0 {
        PairFeatures::RawPixels
    } else {
        PairFeatures::Pca {
            k: args.pca,
            fit_rows: 10_000,
        }
    };
    let standardise = match args.pixel_scaling.as_str() {
        "global" => Standardise::Global,
        "per-pixel" => Standardise::PerPixel,
        other => {
            return Err(CliError::Usage {
                option: "--pixel-scaling",
                reason: format!("'{other}'; expected global or per-pixel"),
            });
        }
    };
    Ok((features, standardise))
}

/// `--image-tasks`: `None` for pairs, `Some(m)` for class tasks (`m` classes a task, `None`
/// for all).
pub fn parse_image_tasks(text: &str) -> Result<Option<Option<usize>>, CliError> {
    let bad = || CliError::Usage {
        option: "--image-tasks",
        reason: format!("'{text}'; expected pairs, classes or classes:M (M classes a task)"),
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "pairs" => Ok(None),
        "classes" => Ok(Some(None)),
        other => match other.strip_prefix("classes:") {
            Some(m) => Ok(Some(Some(m.parse().map_err(|_| bad())?))),
            None => Err(bad()),
        },
    }
}

/// A `--train-range`/`--test-range` value.
pub fn parse_range(
    option: &'static str,
    text: Option<&str>,
) -> Result<Option<cascade_data::electricity::DateRange>, CliError> {
    text.map(|t| {
        t.parse()
            .map_err(|e: cascade_data::DataError| CliError::Usage {
                option,
                reason: e.to_string(),
            })
    })
    .transpose()
}
