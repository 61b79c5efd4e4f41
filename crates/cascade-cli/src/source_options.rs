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

/// Refuses image-only options on other data, and options that cannot go together, rather than
/// ignoring them.
pub fn check_image_options(kind: &str, args: &DataArgs) -> Result<(), CliError> {
    let splits = matches!(kind, "fashion-mnist" | "cifar10" | "image-folder");
    let refuse = |option: &'static str, reason: &str| {
        Err(CliError::Usage {
            option,
            reason: reason.to_string(),
        })
    };
    if args.partition.is_some() && !splits {
        return refuse(
            "--partition",
            "splits fashion-mnist, cifar10 or image-folder data into clients",
        );
    }
    if args.partition.is_some() && args.image_tasks != "pairs" {
        return refuse(
            "--partition",
            "clients come from --partition or from --image-tasks, not both",
        );
    }
    if (args.max_train.is_some() || args.max_test.is_some()) && args.partition.is_none() {
        return refuse(
            "--max-train",
            "--max-train and --max-test cap the clients of --partition",
        );
    }
    if args.image_tasks != "pairs" && !splits {
        return refuse(
            "--image-tasks",
            "builds tasks from fashion-mnist, cifar10 or image-folder data",
        );
    }
    Ok(())
}
