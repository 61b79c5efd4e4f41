//! Tests of the grouped-CSV reader on tiny hand-made files and on the shipped school data.

use std::path::PathBuf;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

/// A schools table shipped in the repository's `datasets/schools/` (see its README).
fn schools(name: &str) -> PathBuf {
    let path = crate::repo_root().join("datasets/schools").join(name);
    assert!(
        path.exists(),
        "the school data is expected at {} (shipped in the repository's datasets/schools/)",
        path.display()
    );
    path
}

fn read(text: &str, config: &TasksCsvConfig, seed: u64) -> Result<CsvTasks, DataError> {
    read_tasks_csv(
        text.as_bytes(),
        "t.csv",
        config,
        &mut StdRng::seed_from_u64(seed),
    )
}

fn err(text: &str, config: &TasksCsvConfig) -> String {
    read(text, config, 0).unwrap_err().to_string()
}

/// Task d's row with target 9 holds the only `purple`; every other task has one colour.
const COLOURS: &str = "task,y,colour,size
a,1,red,1.5
a,2,red,2.5
b,3,blue,3.5
b,4,blue,4.5
c,5,green,5.5
c,6,green,6.5
d,7,blue,7.5
d,8,blue,8.5
d,9,purple,9.5
d,10,blue,10.5
";

/// The features of the row with target `y`, in train or test of its task.
fn row_of(set: &TaskSet, y: f64) -> Vec<f64> {
    for task in set.tasks() {
        for split in [&task.train, &task.test] {
            if let Some(r) = split.y.iter().position(|&v| v == y) {
                return split.x.row(r).iter().copied().collect();
            }
        }
    }
    panic!("no row with target {y}");
}

#[test]
fn one_hot_blocks_by_hand() {
    let config = TasksCsvConfig::new("task", "y");
    // Find seeds that put the purple row (y = 9) in test and in training.
    let purple_in_test = |seed| {
        let got = read(COLOURS, &config, seed).unwrap();
        let d = &got.loaded.tasks.tasks()[3];
        (d.test.y.iter().any(|&v| v == 9.0), got)
    };
    let (_, held_out) = (0..100)
        .map(purple_in_test)
        .find(|(t, _)| *t)
        .expect("some seed puts the purple row in test");
    let (_, trained) = (0..100)
        .map(purple_in_test)
        .find(|(t, _)| !*t)
        .expect("some seed puts the purple row in training");

    // Purple held out: training categories blue, green, red (sorted); the purple row's block is
    // all zeros, and a note counts it. Tasks of 2 rows split 1 + 1; task d (4 rows) 3 + 1.
    assert_eq!(
        held_out.feature_names,
        ["colour=blue", "colour=green", "colour=red", "size"]
    );
    let set = &held_out.loaded.tasks;
    assert_eq!(set.ids(), ["a", "b", "c", "d"]);
    assert_eq!(row_of(set, 1.0), [0.0, 0.0, 1.0, 1.5]);
    assert_eq!(row_of(set, 4.0), [1.0, 0.0, 0.0, 4.5]);
    assert_eq!(row_of(set, 6.0), [0.0, 1.0, 0.0, 6.5]);
    assert_eq!(row_of(set, 9.0), [0.0, 0.0, 0.0, 9.5]);
    assert_eq!(set.tasks()[3].train.n_rows(), 3);
    assert_eq!(set.tasks()[0].test.n_rows(), 1);
    let notes = held_out.loaded.notes.join("\n");
    assert!(
        notes.contains("1 test row holds a category never seen in training"),
        "{notes}"
    );
    assert!(
        notes.contains(
            "categorical features, one-hot over the training rows' categories: colour (3)"
        ),
        "{notes}"
    );
    assert!(notes.contains("numeric features: size"), "{notes}");

    // Purple in training: it is a category (between green and red).
    assert_eq!(
        trained.feature_names,
        [
            "colour=blue",
            "colour=green",
            "colour=purple",
            "colour=red",
            "size"
        ]
    );
    assert_eq!(
        row_of(&trained.loaded.tasks, 9.0),
        [0.0, 0.0, 1.0, 0.0, 9.5]
    );
    assert!(!trained.loaded.notes.join("\n").contains("never seen"));
}

#[test]
fn forced_categories_sort_by_value_and_features_can_be_chosen() {
    // `size` holds numbers, forced categorical: categories 9 < 10 < 100 (by value, not text).
    // Every task has one size, so each shows up in training.
    let text = "task,y,size,extra\na,1,10,x\na,2,10,x\nb,3,9,x\nb,4,9,x\nc,5,100,x\nc,6,100,x\n";
    let config = TasksCsvConfig {
        features: Some(vec!["size".into()]),
        categorical: vec!["size".into()],
        ..TasksCsvConfig::new("task", "y")
    };
    let got = read(text, &config, 1).unwrap();
    assert_eq!(got.feature_names, ["size=9", "size=10", "size=100"]);
    assert_eq!(row_of(&got.loaded.tasks, 5.0), [0.0, 0.0, 1.0]);
    // A categorical column not among the features is a settings error.
    let config = TasksCsvConfig {
        features: Some(vec!["size".into()]),
        categorical: vec!["extra".into()],
        ..TasksCsvConfig::new("task", "y")
    };
    assert!(
        err(text, &config)
            .contains("invalid setting categorical = extra: not one of the feature columns")
    );
    let config = TasksCsvConfig {
        features: Some(vec!["task".into()]),
        ..TasksCsvConfig::new("task", "y")
    };
    assert!(err(text, &config).contains("cannot be features"));
}

#[test]
fn malformed_files_are_one_line_errors_with_lines() {
    let config = TasksCsvConfig::new("task", "y");
    assert_eq!(
        err("task,y,x\na,1,0.5\na,2,abc\n", &config),
        "t.csv, line 3: column 'x': 'abc' is not a number, but the column is numeric (line 2: \
         '0.5'); pass --categorical x to read it as categories"
    );
    assert_eq!(
        err("task,y,x\na,,0.5\na,2,1\n", &config),
        "t.csv, line 2: column 'y': empty value (the target must be numeric)"
    );
    assert_eq!(
        err("task,y,x\na,1,0.5\na,two,1\n", &config),
        "t.csv, line 3: column 'y': 'two' is not a number (the target must be numeric)"
    );
    assert_eq!(
        err("task,y,x\na,1,0.5\na,2,\n", &config),
        "t.csv, line 3: column 'x': empty value"
    );
    assert_eq!(
        err("task,y,x\na,1,0.5\na,2\n", &config),
        "t.csv, line 3: 2 fields, but the rows before have 3 (every row must be as wide as the \
         header)"
    );
    assert_eq!(
        err("task,y,x\n,1,0.5\n", &config),
        "t.csv, line 2: column 'task': empty task id"
    );
    assert_eq!(
        err("task,y,x\na,1,0.5\n", &TasksCsvConfig::new("school", "y")),
        "t.csv: no column 'school' (the header has: task, y, x)"
    );
    let config = TasksCsvConfig {
        features: Some(vec!["z".into()]),
        ..TasksCsvConfig::new("task", "y")
    };
    assert_eq!(
        err("task,y,x\na,1,0.5\n", &config),
        "t.csv: no column 'z' (the header has: task, y, x)"
    );
    let config = TasksCsvConfig {
        test_fraction: 1.0,
        ..TasksCsvConfig::new("task", "y")
    };
    assert!(err("task,y,x\na,1,0.5\n", &config).contains("test_fraction"));
    assert!(err("task,y,x\n", &TasksCsvConfig::new("task", "y")).contains("no data rows"));
}

#[test]
fn small_tasks_are_skipped_with_reasons() {
    // a: 1 row; b: 2 rows (1 + 1); c: 5 rows (round(1.25) = 1 test, 4 train).
    let text = "task,y,x\na,1,1\nb,2,2\nb,3,3\nc,4,4\nc,5,5\nc,6,6\nc,7,7\nc,8,8\n";
    let got = read(text, &TasksCsvConfig::new("task", "y"), 3).unwrap();
    assert_eq!(got.loaded.tasks.ids(), ["b", "c"]);
    assert_eq!(got.loaded.skipped.len(), 1);
    assert_eq!(got.loaded.skipped[0].id, "a");
    assert_eq!(
        got.loaded.skipped[0].reason,
        "1 row: too few to split into train and test"
    );
    let config = TasksCsvConfig {
        min_train_rows: 2,
        ..TasksCsvConfig::new("task", "y")
    };
    let got = read(text, &config, 3).unwrap();
    assert_eq!(got.loaded.tasks.ids(), ["c"]);
    assert_eq!(
        got.loaded.skipped[1].reason,
        "2 rows: 1 train and 1 test, at least 2 train and 1 test rows needed"
    );
    let config = TasksCsvConfig {
        min_train_rows: 9,
        ..TasksCsvConfig::new("task", "y")
    };
    assert!(err(text, &config).contains("all 3 tasks were skipped (first, 'a': 1 row"));
}

#[test]
fn exam_schools_detect_categories_and_split_reproducibly() {
    let path = schools("exam.csv");
    let config = TasksCsvConfig::new("school", "normexam");
    let load = |config: &TasksCsvConfig, seed| {
        load_tasks_csv(&path, config, &mut StdRng::seed_from_u64(seed)).unwrap()
    };
    let got = load(&config, 5);
    let set = &got.loaded.tasks;
    // 65 schools of 2 to 198 students (4059 rows); none is skipped.
    assert_eq!(set.len(), 65);
    assert!(got.loaded.skipped.is_empty());
    let rows: usize = set
        .tasks()
        .iter()
        .map(|t| t.train.n_rows() + t.test.n_rows())
        .sum();
    assert_eq!(rows, 4059);
    let sizes: Vec<usize> = set
        .tasks()
        .iter()
        .map(|t| t.train.n_rows() + t.test.n_rows())
        .collect();
    assert_eq!(
        (sizes.iter().min(), sizes.iter().max()),
        (Some(&2), Some(&198))
    );
    // A 198-row school: round(49.5) = 50 test rows. 2-row schools: 1 + 1.
    let big = set
        .tasks()
        .iter()
        .find(|t| t.train.n_rows() + t.test.n_rows() == 198)
        .unwrap();
    assert_eq!(big.test.n_rows(), 50);
    // Categorical: schgend (3), vr (3), intake (3), sex (2), type (2); numeric: schavg,
    // standLRT and, by default, the student number: 3 + 13 = 16 features.
    assert_eq!(
        got.feature_names,
        [
            "schgend=boys",
            "schgend=girls",
            "schgend=mixed",
            "schavg",
            "vr=bottom 25%",
            "vr=mid 50%",
            "vr=top 25%",
            "intake=bottom 25%",
            "intake=mid 50%",
            "intake=top 25%",
            "standLRT",
            "sex=F",
            "sex=M",
            "type=Mxd",
            "type=Sngl",
            "student"
        ]
    );
    assert_eq!(set.n_features(), 16);
    // The first row of the file (school 1, normexam 0.2613242) is a mixed-school girl, vr
    // "mid 50%", intake "bottom 25%", type Mxd, standLRT 0.6190592, student 143.
    let first = row_of(set, 0.2613242);
    assert_eq!(
        first,
        [
            0.0, 0.0, 1.0, 0.1661752, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.6190592, 1.0, 0.0, 1.0, 0.0,
            143.0
        ]
    );

    // Same seed, same split; another seed, another split.
    assert_eq!(load(&config, 5), got);
    assert_ne!(load(&config, 6).loaded.tasks, got.loaded.tasks);

    // Leaving the student number out.
    let features = [
        "schgend", "schavg", "vr", "intake", "standLRT", "sex", "type",
    ];
    let config = TasksCsvConfig {
        features: Some(features.map(String::from).to_vec()),
        ..config
    };
    let got = load(&config, 5);
    assert_eq!(got.feature_names.len(), 15);
    assert!(!got.feature_names.contains(&"student".to_string()));
}

#[test]
fn chem97_reports_its_one_student_schools() {
    let config = TasksCsvConfig {
        features: Some(["gender", "age", "gcsescore"].map(String::from).to_vec()),
        ..TasksCsvConfig::new("school", "score")
    };
    let got = load_tasks_csv(
        &schools("chem97.csv"),
        &config,
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    // 2,410 schools, 162 of them with one student (counted with awk).
    assert_eq!(got.loaded.tasks.len() + got.loaded.skipped.len(), 2410);
    assert_eq!(got.loaded.skipped.len(), 162);
    assert!(
        got.loaded
            .skipped
            .iter()
            .all(|s| s.reason == "1 row: too few to split into train and test")
    );
    assert_eq!(
        got.feature_names,
        ["gender=F", "gender=M", "age", "gcsescore"]
    );
    assert!(
        got.loaded.notes[0].starts_with(
            "31022 rows, 2410 tasks by 'school' (target 'score'): 2248 kept, 162 skipped"
        ),
        "{:?}",
        got.loaded.notes
    );
}

#[test]
fn a_class_target_becomes_class_indices_and_the_schema_keeps_the_layout() {
    // Labels 10, 2 and 2.5: numbers, so sorted by value (2, 2.5, 10), not as text. The
    // categories of `colour` come from the training rows, which the split chooses.
    let text = "task,label,colour,size\na,10,red,1\na,2,red,2\na,2.5,blue,3\nb,2,blue,4\nb,10,red,5\nb,2.5,red,6\n";
    let config = TasksCsvConfig {
        classification: true,
        test_fraction: 0.34,
        ..TasksCsvConfig::new("task", "label")
    };
    let csv = read(text, &config, 3).unwrap();
    let set = &csv.loaded.tasks;
    assert_eq!(set.problem(), crate::Problem::Multiclass { classes: 3 });
    assert_eq!(set.class_names(), ["2", "2.5", "10"]);
    for task in set.tasks() {
        for &y in task.train.y.iter().chain(task.test.y.iter()) {
            assert!(y == 0.0 || y == 1.0 || y == 2.0, "{y}");
        }
    }
    // Every row's class index names its label: task a's rows hold 10, 2, 2.5 = 2, 0, 1.
    let a = &set.tasks()[0];
    let mut all: Vec<f64> = a.train.y.iter().chain(a.test.y.iter()).copied().collect();
    all.sort_by(f64::total_cmp);
    assert_eq!(all, [0.0, 1.0, 2.0]);
    assert_eq!(csv.schema.classes, ["2", "2.5", "10"]);
    assert_eq!(csv.schema.target_column, "label");
    assert_eq!(csv.schema.n_features(), set.n_features());
    assert!(
        matches!(&csv.schema.columns[0], FeatureColumn::Categorical { name, categories } if name == "colour" && !categories.is_empty() && categories.iter().all(|c| c == "blue" || c == "red"))
    );
    // An empty label is an error naming the line.
    let empty = "task,label,size\na,x,1\na,,2\n";
    let message = err(empty, &config);
    assert!(
        message.contains("line 3") && message.contains("empty class"),
        "{message}"
    );
}
