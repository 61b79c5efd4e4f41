//! What `predict` and `evaluate` read: a CSV of rows in the saved cascade's layout, or a
//! client-folder tree of image files (`FOLDER/<client>/*.png`, `FOLDER/<client>/<class>/*.png`)
//! that become rows exactly as training read its images.

use std::path::{Path, PathBuf};

use cascade_data::images::{ImageInput, list_image_tree};
use cascade_data::{DMatrix, DataSchema, read_rows};

use crate::error::CliError;

/// Items to predict on or score: each with its task, a key naming it and, for scoring, a
/// target; their features are read per task ([`SavedInput::features`]).
pub struct SavedInput {
    /// Each item's task id, in input order.
    pub tasks: Vec<String>,
    /// Each item's key: its 0-based row in a CSV, or its file relative to the folder.
    pub keys: Vec<String>,
    /// The name of the key column of predictions: `row` or `file`.
    pub key_column: &'static str,
    /// Targets (values or class indices), when labelled.
    pub y: Option<Vec<f64>>,
    /// What an item is, for messages: `rows` or `images`.
    pub noun: &'static str,
    /// Rows holding a category never seen in training (CSV only).
    pub unseen_categories: usize,
    features: Features,
}

/// Where the features come from.
enum Features {
    /// A CSV's rows, `[n, d]`.
    Rows(DMatrix<f64>),
    /// Image files, read when asked for.
    Images {
        files: Vec<PathBuf>,
        input: ImageInput,
    },
}

impl SavedInput {
    /// Reads `path`: a folder of images (the schema must say how training read images), else a
    /// CSV in `schema`'s layout. `labelled` asks for targets: the target column, or a class
    /// folder per image. Files that are not images are left out and reported on stderr.
    pub fn read(path: &Path, schema: &DataSchema, labelled: bool) -> Result<Self, CliError> {
        if !path.is_dir() {
            let rows = read_rows(path, schema, labelled)?;
            return Ok(Self {
                keys: (0..rows.tasks.len()).map(|i| i.to_string()).collect(),
                tasks: rows.tasks,
                key_column: "row",
                y: rows.y,
                noun: "rows",
                unseen_categories: rows.unseen_categories,
                features: Features::Rows(rows.x),
            });
        }
        let Some(input) = &schema.images else {
            return Err(CliError::Usage {
                option: "--input",
                reason: format!(
                    "{} is a folder, but the cascade was not trained on image files \
                     (--data image-tasks): give a CSV of rows in its layout",
                    path.display()
                ),
            });
        };
        let tree = list_image_tree(path)?;
        if let Some(first) = tree.skipped.first() {
            eprintln!(
                "warning: skipped {} entries that are not .png, .jpg or .jpeg images, e.g. \
                 '{first}'",
                tree.skipped.len()
            );
        }
        let y = if labelled {
            let mut y = Vec::with_capacity(tree.files.len());
            for file in &tree.files {
                let Some(class) = &file.class else {
                    return Err(CliError::Usage {
                        option: "--input",
                        reason: format!(
                            "{}: evaluate needs each image in a class folder, \
                             FOLDER/<client>/<class>/*.png",
                            file.path.display()
                        ),
                    });
                };
                let value = schema.target_value(class).ok_or_else(|| CliError::Usage {
                    option: "--input",
                    reason: format!(
                        "{}: class folder '{class}' is not one of the classes {}",
                        file.path.display(),
                        schema.classes.join(", ")
                    ),
                })?;
                y.push(value);
            }
            Some(y)
        } else {
            None
        };
        Ok(Self {
            tasks: tree.files.iter().map(|f| f.client.clone()).collect(),
            keys: tree.files.iter().map(|f| f.relative.clone()).collect(),
            key_column: "file",
            y,
            noun: "images",
            unseen_categories: 0,
            features: Features::Images {
                files: tree.files.into_iter().map(|f| f.path).collect(),
                input: input.clone(),
            },
        })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// The features of items `indices`: `[indices, d]` (image files decoded now; an unreadable
    /// file or one of another shape is an error naming it).
    pub fn features(&self, indices: &[usize]) -> Result<DMatrix<f64>, CliError> {
        match &self.features {
            Features::Rows(x) => Ok(x.select_rows(indices)),
            Features::Images { files, input } => {
                let files: Vec<PathBuf> = indices.iter().map(|&i| files[i].clone()).collect();
                Ok(input.read_files(&files)?)
            }
        }
    }
}
