//! The frozen backbone: trained on pooled images, saved and loaded as a Burn record, and used to
//! embed every task's rows.

mod common;

use cascade::backbone::{embed, load_backbone, pooled_backbone};
use cascade::train::TrainConfig;
use cascade_models::Backend;
use cascade_models::burn::module::Module;
use common::ragged_class_image_tasks;

#[test]
fn a_pooled_backbone_embeds_every_row_and_round_trips_through_a_record() {
    let dev = Backend::Flex.device().unwrap().device;
    let data = ragged_class_image_tasks(3);
    // The fixture is standardised; as raw tasks they work the same.
    let set = &data.standardised;
    let config = TrainConfig {
        batch_size: Some(8),
        ..TrainConfig::with_eta(0.05)
    };
    let backbone = pooled_backbone(set, 2, 30, &config, 0.05, 7, &dev).unwrap();
    let embedded = embed(set, &backbone).unwrap();
    // 2 width (h/4)(w/4) = 4 features for 4x4 images and width 2.
    assert_eq!(embedded.n_features(), 4);
    assert_eq!(embedded.ids(), set.ids());
    assert_eq!(embedded.problem(), set.problem());
    assert_eq!(embedded.image_shape(), None);
    for (a, b) in embedded.tasks().iter().zip(set.tasks()) {
        assert_eq!(a.train.y, b.train.y);
        assert_eq!(a.test.n_rows(), b.test.n_rows());
    }
    // Saved as a record and loaded back, it embeds the same features.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backbone.bpk");
    backbone.clone().save_file(&path).unwrap();
    let loaded = load_backbone(&path, 2, [1, 4, 4], 3, &dev).unwrap();
    let again = embed(set, &loaded).unwrap();
    assert_eq!(again, embedded);
    // A record of another shape is a one-line error naming the file.
    let err = load_backbone(&path, 4, [1, 4, 4], 3, &dev)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(err.contains("not a small-cnn:4 backbone"), "{err}");
    // The features are those of the trunk: ReLU then max pooling, so never negative.
    let first = &embedded.tasks()[0].train.x;
    assert!(first.iter().all(|&v| v >= 0.0));
}
