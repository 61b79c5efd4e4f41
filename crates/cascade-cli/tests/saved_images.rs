//! `cascade predict` and `cascade evaluate` on image files: a cascade trained on client image
//! folders (with and without a frozen backbone) predicts on a folder of the same test images
//! exactly as on the rows of flattened pixels `train --test-out` wrote, and evaluate on class
//! folders reproduces train's accuracy. Bad folders and files are one-line errors naming the
//! file, or counted skips.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{cascade, command_with_json, read_csv};
use serde_json::Value;

/// Image `i` of class `class` of client `task`: 8x8 gray, classes far apart in brightness.
fn pixel_image(task: u8, class: u8, i: u8) -> image::GrayImage {
    image::GrayImage::from_fn(8, 8, |x, y| {
        let base = 40 + 120 * u32::from(class) + 10 * u32::from(task);
        let texture = (x * (u32::from(class) + 1) + y + u32::from(i) * 7) % 9;
        image::Luma([(base + texture * 4 + u32::from(i)) as u8])
    })
}

/// Writes training data `data/site{t}/{train,test}/class{c}/{i}.png` and the same test images
/// as a folder to predict on, `input/site{t}/class{c}/{i}.png`.
fn write_tasks(data: &Path, input: &Path) {
    for task in 0..3u8 {
        for (split, count) in [("train", 8u8), ("test", 4)] {
            for class in 0..2u8 {
                let class_name = format!("class{class}");
                let folder = data
                    .join(format!("site{task}"))
                    .join(split)
                    .join(&class_name);
                fs::create_dir_all(&folder).unwrap();
                for i in 0..count {
                    let image = pixel_image(task, class, i + 10 * u8::from(split == "test"));
                    image.save(folder.join(format!("{i}.png"))).unwrap();
                    if split == "test" {
                        let to = input.join(format!("site{task}")).join(&class_name);
                        fs::create_dir_all(&to).unwrap();
                        image.save(to.join(format!("{i}.png"))).unwrap();
                    }
                }
            }
        }
    }
}

/// Runs `cascade ARGS`, asserting success; returns stdout and stderr.
fn ok(args: &[&str]) -> (String, String) {
    let out = cascade().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "cascade {args:?} failed:\n{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Runs `cascade ARGS`, asserting a failure with a one-line message; returns it.
fn fails(args: &[&str]) -> String {
    let out = cascade().args(args).output().unwrap();
    assert!(!out.status.success(), "cascade {args:?} succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim().lines().count(), 1, "not one line:\n{stderr}");
    stderr
}

struct Trained {
    _dir: tempfile::TempDir,
    root: PathBuf,
    saved: String,
    input: String,
    train_json: Value,
}

/// Trains on the tiny client folders with `extra` options, saving the cascade and its test
/// rows.
fn train(extra: &[&str]) -> Trained {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let (data, input) = (root.join("data"), root.join("input"));
    write_tasks(&data, &input);
    let saved = root.join("saved").to_str().unwrap().to_string();
    let test = root.join("test.csv").to_str().unwrap().to_string();
    let mut args = vec![
        "--data",
        "image-tasks",
        data.to_str().unwrap(),
        "--method",
        "mst-feature",
        "--budget",
        "60",
        "--out",
        &saved,
        "--test-out",
        &test,
    ];
    args.extend(extra);
    let (stdout, _, train_json) = command_with_json("train", &args, &root.join("train.json"));
    assert!(stdout.contains("or an image folder"), "{stdout}");
    Trained {
        saved,
        input: input.to_str().unwrap().to_string(),
        train_json,
        root,
        _dir: dir,
    }
}

/// Predictions on the image folder equal those on the test rows, row for row and digit for
/// digit, and evaluate on the class folders reproduces train's accuracy.
fn check_round_trip(t: &Trained) {
    let from_images = t.root.join("from-images.csv");
    let from_rows = t.root.join("from-rows.csv");
    let test = t.root.join("test.csv");
    let (stdout, _) = ok(&[
        "predict",
        &t.saved,
        "--input",
        &t.input,
        "--out",
        from_images.to_str().unwrap(),
    ]);
    assert!(
        stdout.contains("wrote 24 predictions for 3 tasks"),
        "{stdout}"
    );
    ok(&[
        "predict",
        &t.saved,
        "--input",
        test.to_str().unwrap(),
        "--out",
        from_rows.to_str().unwrap(),
    ]);
    let images = read_csv(&from_images);
    let rows = read_csv(&from_rows);
    assert_eq!(images[0], ["task", "file", "class", "p_class0", "p_class1"]);
    assert_eq!(rows[0], ["task", "row", "class", "p_class0", "p_class1"]);
    assert_eq!(images.len(), 25);
    assert_eq!(images.len(), rows.len());
    // The test rows come task by task, class folders and files sorted: the folder's order.
    for (k, (a, b)) in images[1..].iter().zip(&rows[1..]).enumerate() {
        let (task, class, i) = (k / 8, (k % 8) / 4, k % 4);
        assert_eq!(a[1], format!("site{task}/class{class}/{i}.png"));
        assert_eq!(a[0], b[0]);
        assert_eq!(a[2..], b[2..], "file {}", a[1]);
    }
    // The images are easy: most predictions name the class folder.
    let right = images[1..]
        .iter()
        .filter(|r| r[1].split('/').nth(1) == Some(r[2].as_str()))
        .count();
    assert!(right >= 16, "{right} of 24 right");

    let (stdout, _, evaluated) = command_with_json(
        "evaluate",
        &[&t.saved, "--input", &t.input],
        &t.root.join("evaluate.json"),
    );
    assert!(stdout.contains("(24 images)"), "{stdout}");
    let trained = t.train_json["tasks"].as_array().unwrap();
    let scored = evaluated["tasks"].as_array().unwrap();
    assert_eq!(trained.len(), 3);
    assert_eq!(scored.len(), 3);
    for (a, b) in trained.iter().zip(scored) {
        assert_eq!(a["task"], b["task"]);
        assert_eq!(a["rows"], b["rows"]);
        assert_eq!(a["accuracy"], b["accuracy"], "{a} against {b}");
    }
    assert_eq!(
        t.train_json["mean"]["accuracy"],
        evaluated["mean"]["accuracy"]
    );
}

#[test]
fn predictions_on_image_files_equal_those_on_their_pixel_rows() {
    // Raw z-scored pixels into a small CNN.
    check_round_trip(&train(&["--model", "small-cnn:2"]));
    // PCA scores into the default linear model.
    check_round_trip(&train(&["--pca", "6"]));
}

#[test]
fn a_cascade_trained_with_a_backbone_keeps_it_and_reads_raw_images() {
    let t = train(&["--backbone", "pooled:20"]);
    let saved = Path::new(&t.saved);
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(saved.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["backbone"]["record"], "backbone.bpk");
    assert!(saved.join("backbone.bpk").is_file());
    // The test rows are raw pixels (8x8), which the saved cascade embeds itself.
    let test = read_csv(&t.root.join("test.csv"));
    assert_eq!(test[0].len(), 1 + 64 + 1, "{:?}", test[0]);
    check_round_trip(&t);

    // The backbone record saved on its own loads as --backbone record:PATH, and gives the
    // same predictions.
    let record = t.root.join("backbone-copy.bpk");
    fs::copy(saved.join("backbone.bpk"), &record).unwrap();
    let again = train(&["--backbone", &format!("record:{}", record.display())]);
    check_round_trip(&again);

    // A damaged or missing backbone file is a one-line error naming it.
    fs::write(saved.join("backbone.bpk"), b"truncated").unwrap();
    let err = fails(&["predict", &t.saved, "--input", &t.input]);
    assert!(err.contains("backbone.bpk"), "{err}");
    fs::remove_file(saved.join("backbone.bpk")).unwrap();
    let err = fails(&["evaluate", &t.saved, "--input", &t.input]);
    assert!(
        err.contains("backbone.bpk") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn bad_image_folders_and_files_are_named() {
    let t = train(&["--model", "small-cnn:2"]);
    let root = &t.root;
    let out = root.join("p.csv");
    let out = out.to_str().unwrap();
    let folder = |name: &str| -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(dir.join("site0")).unwrap();
        pixel_image(0, 0, 0).save(dir.join("site0/a.png")).unwrap();
        dir
    };
    let predict = |dir: &Path| -> Vec<String> {
        vec![
            "predict".into(),
            t.saved.clone(),
            "--input".into(),
            dir.to_str().unwrap().into(),
            "--out".into(),
            out.into(),
        ]
    };
    let run_fails = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(&args)
    };

    // Wrong size, wrong channel count: the file and both shapes.
    let small = folder("small");
    image::GrayImage::new(4, 4)
        .save(small.join("site0/b.png"))
        .unwrap();
    let err = run_fails(predict(&small));
    assert!(
        err.contains("site0/b.png") && err.contains("[1, 4, 4]") && err.contains("[1, 8, 8]"),
        "{err}"
    );
    let colour = folder("colour");
    image::RgbImage::new(8, 8)
        .save(colour.join("site0/c.png"))
        .unwrap();
    let err = run_fails(predict(&colour));
    assert!(
        err.contains("site0/c.png") && err.contains("[3, 8, 8]") && err.contains("[1, 8, 8]"),
        "{err}"
    );

    // A corrupt image file.
    let corrupt = folder("corrupt");
    fs::write(corrupt.join("site0/d.png"), b"not a png").unwrap();
    let err = run_fails(predict(&corrupt));
    assert!(
        err.contains("site0/d.png") && err.contains("cannot decode"),
        "{err}"
    );

    // An empty folder, and one whose clients hold no image.
    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    let err = run_fails(predict(&empty));
    assert!(err.contains("no client folders"), "{err}");
    fs::create_dir_all(empty.join("site0")).unwrap();
    let err = run_fails(predict(&empty));
    assert!(err.contains("no .png, .jpg or .jpeg image"), "{err}");
    // Images one level too deep (a train/ and test/ layout) are not taken for class folders.
    let deep = root.join("deep/site0/test/class0");
    fs::create_dir_all(&deep).unwrap();
    pixel_image(0, 0, 0).save(deep.join("a.png")).unwrap();
    let err = run_fails(predict(&root.join("deep")));
    assert!(err.contains("e.g. 'site0/test/class0'"), "{err}");

    // Unknown clients and files that are not images are skipped and counted, one line each,
    // as CSV rows of unknown tasks are.
    let mixed = folder("mixed");
    fs::create_dir_all(mixed.join("elsewhere")).unwrap();
    pixel_image(0, 1, 0)
        .save(mixed.join("elsewhere/e.png"))
        .unwrap();
    fs::write(mixed.join("site0/notes.txt"), b"x").unwrap();
    let args = predict(&mixed);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr) = ok(&args);
    assert!(
        stdout.contains("wrote 1 predictions for 1 tasks"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "skipped 1 entries that are not .png, .jpg or .jpeg images, e.g. 'site0/notes.txt'"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "skipped 1 images of 1 tasks the cascade was not trained on: 'elsewhere' (1 images)"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 2, "{stderr}");
    let preds = read_csv(Path::new(out));
    assert_eq!(preds.len(), 2);
    assert_eq!(preds[1][..2], ["site0", "site0/a.png"]);
    // Only unknown clients: an error.
    fs::remove_dir_all(mixed.join("site0")).unwrap();
    let err = run_fails(predict(&mixed));
    assert!(
        err.contains("no image belongs to a task of the cascade") && err.contains("'elsewhere'"),
        "{err}"
    );

    // evaluate needs class folders the cascade knows.
    let evaluate = |dir: &Path| fails(&["evaluate", &t.saved, "--input", dir.to_str().unwrap()]);
    let unclassed = folder("unclassed");
    let err = evaluate(&unclassed);
    assert!(
        err.contains("site0/a.png") && err.contains("needs each image in a class folder"),
        "{err}"
    );
    let unknown_class = root.join("unknown-class/site0/class7");
    fs::create_dir_all(&unknown_class).unwrap();
    pixel_image(0, 0, 0)
        .save(unknown_class.join("a.png"))
        .unwrap();
    let err = evaluate(&root.join("unknown-class"));
    assert!(
        err.contains("class7/a.png")
            && err.contains("'class7' is not one of the classes class0, class1"),
        "{err}"
    );

    // A cascade trained on rows that came from no image folder refuses a folder.
    let synthetic = root.join("synthetic");
    ok(&[
        "train",
        "--tasks",
        "3",
        "--budget",
        "12",
        "--out",
        synthetic.to_str().unwrap(),
    ]);
    // Saved without a backbone or image input, as every save before them: the files hold
    // neither field, and load.
    let manifest = fs::read_to_string(synthetic.join("manifest.json")).unwrap();
    let schema = fs::read_to_string(synthetic.join("schema.json")).unwrap();
    assert!(!manifest.contains("backbone") && !schema.contains("images"));
    let err = fails(&["predict", synthetic.to_str().unwrap(), "--input", &t.input]);
    assert!(err.contains("was not trained on image files"), "{err}");
}
