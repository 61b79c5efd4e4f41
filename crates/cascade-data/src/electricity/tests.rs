//! Tests of the demand-panel reader on the shipped SimBench samples and on small hand-made panels.

use std::f64::consts::PI;
use std::path::PathBuf;

use approx::assert_abs_diff_eq;

use super::*;

/// The shipped 11-node sample.
fn sample() -> PathBuf {
    crate::repo_root().join("datasets/electricity/simbench-sample.csv")
}
/// Four real profiles through March 2016, with the daylight-saving hole (empty readings at
/// 2016-03-27 02:00 and 02:30 for every node); see `datasets/electricity/README.md`.
fn dst_sample() -> PathBuf {
    crate::repo_root().join("datasets/electricity/simbench-dst-sample.csv")
}

/// A half-hourly panel from 2016-03-10 00:00 (a Thursday) with `steps` rows per node; node `i`
/// holds `1000 i + k` at step `k`. `cell(node, k)` may replace a value (`Some(None)` drops the
/// row). Returns the CSV text, header `timestamp,node,consumption`.
fn panel(
    nodes: &[&str],
    steps: usize,
    cell: impl Fn(usize, usize) -> Option<Option<String>>,
) -> String {
    let mut text = String::from("timestamp,node,consumption\n");
    for k in 0..steps {
        let t = Timestamp(Timestamp::parse("2016-03-10").unwrap().0 + k as i64 * 1800);
        for (i, node) in nodes.iter().enumerate() {
            let value = match cell(i, k) {
                Some(None) => continue,
                Some(Some(v)) => v,
                None => (1000 * i + k).to_string(),
            };
            text += &format!("{t}:00,{node},{value}\n");
        }
    }
    text
}

/// Lags 2; train 02:00..04:00 (steps 4 to 7), test 04:00..05:00 (steps 8, 9) on 2016-03-10.
fn small_config() -> ElectricityConfig {
    ElectricityConfig {
        lags: 2,
        train: Some("2016-03-10 02:00..2016-03-10 04:00".parse().unwrap()),
        test: Some("2016-03-10 04:00..2016-03-10 05:00".parse().unwrap()),
        ..Default::default()
    }
}

fn read(text: &str, config: &ElectricityConfig) -> Result<LoadedTasks, DataError> {
    read_electricity(text.as_bytes(), "p.csv", config)
}

#[test]
fn sample_gives_one_task_per_profile_in_the_papers_shape() {
    let loaded = load_electricity(&sample(), &ElectricityConfig::default()).unwrap();
    let set = &loaded.tasks;
    // 11 profiles, 2016-02-01..2016-02-21 half-hourly, no gaps: the last 4 days are the test
    // range (4 x 48 = 192 rows), the 11 days before the training range (11 x 48 = 528 rows).
    assert_eq!(set.len(), 11);
    assert!(loaded.skipped.is_empty());
    assert_eq!(set.n_features(), 54);
    assert_eq!(set.ids()[..3], ["G0-A", "G4-A", "H0-A"]);
    assert!(
        set.tasks()
            .iter()
            .all(|t| t.train.n_rows() == 528 && t.test.n_rows() == 192)
    );
    let notes = loaded.notes.join("\n");
    for expected in [
        "11088 rows, 11 nodes: 11 kept, 0 skipped",
        "resolution: 30 minutes (inferred",
        "training range 2016-02-07..2016-02-17 (11 days, default",
        "test range 2016-02-18..2016-02-21 (4 days, default: the last 4 days of the panel)",
        "rows per node: train 528, test 192",
    ] {
        assert!(notes.contains(expected), "{expected} not in:\n{notes}");
    }
    assert_eq!(feature_names(48).len(), 54);
    assert_eq!(
        feature_names(2),
        [
            "lag1", "lag2", "hour", "dow", "hour_sin", "hour_cos", "dow_sin", "dow_cos"
        ]
    );
}

#[test]
fn sample_feature_row_matches_the_file() {
    let loaded = load_electricity(&sample(), &ElectricityConfig::default()).unwrap();
    let h0 = &loaded.tasks.tasks()[2];
    assert_eq!(h0.id, "H0-A");
    // Training starts 2016-02-07 00:00; 2016-02-10 12:00 is 3.5 days on: row 3 * 48 + 24 = 168.
    // From the file (lines 5020, ..., 4492): y = 0.690309 at 12:00; lag 1 (11:30) = 0.474719,
    // lag 2 (11:00) = 0.621488, lag 48 (24 h before, 2016-02-09 12:00) = 0.217697. 2016-02-10 was a
    // Wednesday: dow 2. Hour 12: sin(pi) = 0, cos(pi) = -1.
    let (x, y) = (&h0.train.x, &h0.train.y);
    let r = 168;
    assert_eq!(y[r], 0.690309);
    assert_eq!(x[(r, 0)], 0.474719);
    assert_eq!(x[(r, 1)], 0.621488);
    assert_eq!(x[(r, 47)], 0.217697);
    assert_eq!(x[(r, 48)], 12.0);
    assert_eq!(x[(r, 49)], 2.0);
    assert_abs_diff_eq!(x[(r, 50)], 0.0, epsilon = 1e-12);
    assert_abs_diff_eq!(x[(r, 51)], -1.0, epsilon = 1e-12);
    assert_abs_diff_eq!(x[(r, 52)], (4.0 * PI / 7.0).sin(), epsilon = 1e-12);
    assert_abs_diff_eq!(x[(r, 53)], (4.0 * PI / 7.0).cos(), epsilon = 1e-12);
    // Lag 1 of row r + 1 is the target of row r.
    assert_eq!(x[(r + 1, 0)], y[r]);
}

#[test]
fn custom_lags_columns_and_hand_checked_rows() {
    // Columns renamed and reordered, with an extra column and ISO timestamps.
    let text = panel(&["a", "b"], 12, |_, _| None)
        .replace("timestamp,node,consumption", "when,feeder,kw")
        .replace(' ', "T")
        .lines()
        .map(|l| format!("x,{l}\n"))
        .collect::<String>()
        .replacen("x,when", "extra,when", 1);
    let config = ElectricityConfig {
        timestamp_column: "when".into(),
        node_column: "feeder".into(),
        value_column: "kw".into(),
        lags: 4,
        ..small_config()
    };
    let loaded = read(&text, &config).unwrap();
    let set = &loaded.tasks;
    assert_eq!(set.n_features(), 10);
    assert_eq!(set.ids(), ["a", "b"]);
    // Train: steps 4..7 (02:00 to 03:30), each has its 4 lags (steps 0..3 at least): 4 rows.
    // Test: steps 8, 9.
    let b = &set.tasks()[1];
    assert_eq!(b.train.y.as_slice(), &[1004.0, 1005.0, 1006.0, 1007.0]);
    assert_eq!(b.test.y.as_slice(), &[1008.0, 1009.0]);
    // First training row, t = 02:00 on Thursday 2016-03-10: lags 1003, 1002, 1001, 1000;
    // hour 2, dow 3, sin/cos(2 pi 2 / 24) = (1/2, sqrt(3)/2), sin/cos(2 pi 3 / 7).
    let row: Vec<f64> = b.train.x.row(0).iter().copied().collect();
    let expected = [
        1003.0,
        1002.0,
        1001.0,
        1000.0,
        2.0,
        3.0,
        0.5,
        3f64.sqrt() / 2.0,
        (6.0 * PI / 7.0).sin(),
        (6.0 * PI / 7.0).cos(),
    ];
    for (got, want) in row.iter().zip(expected) {
        assert_abs_diff_eq!(*got, want, epsilon = 1e-12);
    }
    // Lags 5: the row at 02:00 would need step -1, before the data, so it is not usable.
    let loaded = read(&text, &ElectricityConfig { lags: 5, ..config }).unwrap();
    assert_eq!(loaded.tasks.tasks()[0].train.y.as_slice(), &[5.0, 6.0, 7.0]);
}

#[test]
fn gaps_in_a_range_skip_the_node_with_a_precise_reason() {
    // Node b: no row at step 5 (02:30), "NA" at step 6, "" at step 9 (test, 04:30).
    // Node c: a hole at step 1 only, before the training range: its row at 02:00 (step 4) keeps
    // all its 2 lags (steps 2, 3), so c is complete. Node d: no data after step 3.
    let text = panel(&["a", "b", "c", "d"], 12, |i, k| match (i, k) {
        (1, 5) => Some(None),
        (1, 6) => Some(Some("NA".into())),
        (1, 9) => Some(Some(String::new())),
        (2, 1) => Some(None),
        (3, k) if k > 3 => Some(None),
        _ => None,
    });
    let loaded = read(&text, &small_config()).unwrap();
    assert_eq!(loaded.tasks.ids(), ["a", "c"]);
    let skipped: Vec<(&str, &str)> = loaded
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "b",
                "2 missing half-hours in the training range (1 with an empty value), first at \
                 2016-03-10 02:30; 1 missing half-hour in the test range (1 with an empty value), \
                 first at 2016-03-10 04:30"
            ),
            (
                "d",
                "no data in the training range; no data in the test range"
            ),
        ]
    );
    assert!(
        loaded.notes[0].contains("4 nodes: 2 kept, 2 skipped"),
        "{:?}",
        loaded.notes
    );
}

#[test]
fn too_few_usable_rows_and_all_skipped_are_reported() {
    // Node b's hole at step 2 (01:00, before the range) leaves its 02:00 row (step 4) without
    // its lag 2: 3 usable training rows (steps 5, 6, 7); node a has 4.
    let text = panel(&["a", "b"], 12, |i, k| (i == 1 && k == 2).then_some(None));
    let config = ElectricityConfig {
        min_train_rows: 4,
        ..small_config()
    };
    let loaded = read(&text, &config).unwrap();
    assert_eq!(loaded.tasks.ids(), ["a"]);
    assert_eq!(loaded.skipped[0].id, "b");
    assert_eq!(
        loaded.skipped[0].reason,
        "3 usable rows in the training range, at least 4 needed (a row needs its 2 previous \
         values)"
    );
    let config = ElectricityConfig {
        min_train_rows: 5,
        ..small_config()
    };
    let err = read(&text, &config).unwrap_err().to_string();
    assert!(
        err.starts_with("p.csv: all 2 nodes were skipped (first, 'a': 4 usable rows"),
        "{err}"
    );
}

#[test]
fn short_gaps_are_filled_only_when_asked() {
    // Node b misses steps 5 and 6 (02:30, 03:00; 1005 and 1006 by the pattern). With runs of
    // 2 filled, the line from 1004 (step 4) to 1007 (step 7) gives them back exactly; with runs
    // of 1, b is skipped. Node a misses step 10 (05:00), just past the test range: filling it
    // needs the reading at step 11, in the look-ahead.
    let text = panel(&["a", "b"], 12, |i, k| {
        ((i == 1 && (k == 5 || k == 6)) || (i == 0 && k == 10)).then_some(None)
    });
    let fill = |max_fill_steps| ElectricityConfig {
        max_fill_steps,
        ..small_config()
    };
    let loaded = read(&text, &fill(2)).unwrap();
    let b = &loaded.tasks.tasks()[1];
    assert_eq!(b.train.y.as_slice(), &[1004.0, 1005.0, 1006.0, 1007.0]);
    assert_eq!(b.test.x[(0, 0)], 1007.0);
    let notes = loaded.notes.join("\n");
    for expected in [
        "missing runs of at most 2 half-hours filled by linear interpolation in 1 of the kept nodes",
        "training range 2016-03-10 02:00..2016-03-10 04:00 (2 hours, given)",
        "test range 2016-03-10 04:00..2016-03-10 05:00 (1 hour, given)",
    ] {
        assert!(notes.contains(expected), "{expected} not in:\n{notes}");
    }
    let loaded = read(&text, &fill(1)).unwrap();
    assert_eq!(loaded.tasks.ids(), ["a"]);
    assert!(
        loaded.skipped[0]
            .reason
            .starts_with("2 missing half-hours in the training range")
    );
}

#[test]
fn bad_cells_are_errors_naming_file_and_line() {
    // Rows are written step by step, two nodes a step: step k, node i is on line 2 + 2k + i.
    let text = panel(&["a", "b"], 12, |i, k| {
        (i == 1 && k == 3).then(|| Some("n/a".into()))
    });
    let err = read(&text, &small_config()).unwrap_err().to_string();
    assert_eq!(
        err,
        "p.csv, line 9: column 'consumption': 'n/a' is not a number (node 'b'; write an empty \
         cell, NA or nan for a missing reading)"
    );
    let text = panel(&["a"], 4, |_, _| None).replace("2016-03-10 01:00:00", "2016-03-10 1:00");
    let err = read(&text, &small_config()).unwrap_err().to_string();
    assert!(
        err.starts_with("p.csv, line 4: column 'timestamp': '2016-03-10 1:00' is not a timestamp"),
        "{err}"
    );
    let text = "timestamp,node,consumption\n2016-03-10 00:00,a,1\n2016-03-10 00:00,a\n";
    let err = read(text, &small_config()).unwrap_err().to_string();
    assert!(err.starts_with("p.csv, line 3: 2 fields"), "{err}");
}

#[test]
fn duplicate_rows_name_both_lines() {
    // Step 2 of node a is line 2 + 2 * 2 = 6; the copy appended after 12 steps x 2 nodes is line 26.
    let mut text = panel(&["a", "b"], 12, |_, _| None);
    text += "2016-03-10 01:00:00,a,7\n";
    let err = read(&text, &small_config()).unwrap_err().to_string();
    assert_eq!(
        err,
        "p.csv, line 26: node 'a' at 2016-03-10 01:00 appears twice: lines 6 and 26"
    );
}

#[test]
fn missing_columns_and_bad_settings_are_named() {
    let text = panel(&["a"], 4, |_, _| None);
    let config = ElectricityConfig {
        value_column: "load".into(),
        ..small_config()
    };
    let err = read(&text, &config).unwrap_err();
    assert_eq!(
        err,
        DataError::MissingColumn {
            path: "p.csv".into(),
            column: "load".into(),
            available: "timestamp, node, consumption".into(),
        }
    );
    let config = ElectricityConfig {
        test: Some("2016-03-10 03:00..2016-03-10 05:00".parse().unwrap()),
        ..small_config()
    };
    let err = read(&text, &config).unwrap_err().to_string();
    assert!(err.contains("must not overlap"), "{err}");
    let config = ElectricityConfig {
        lags: 0,
        ..small_config()
    };
    assert!(
        read(&text, &config)
            .unwrap_err()
            .to_string()
            .contains("lags")
    );
    let config = ElectricityConfig {
        lags: 1 << 40,
        ..small_config()
    };
    let err = read(&text, &config).unwrap_err().to_string();
    assert!(
        err.contains("more than 100 million feature values"),
        "{err}"
    );
    let err = read("timestamp,node,consumption\n", &small_config()).unwrap_err();
    assert!(err.to_string().contains("no data rows"), "{err}");
}

#[test]
fn resolution_is_inferred_or_given() {
    // Hourly rows (every other half-hour step): the inferred step is 1 hour, and with it the
    // train range 02:00..04:00 holds 02:00 and 03:00.
    let text = panel(&["a", "b"], 12, |_, k| (k % 2 == 1).then_some(None));
    let loaded = read(&text, &small_config()).unwrap();
    assert!(
        loaded.notes[1].starts_with("resolution: 1 hour (inferred"),
        "{:?}",
        loaded.notes
    );
    assert_eq!(loaded.tasks.tasks()[0].train.y.as_slice(), &[4.0, 6.0]);
    // Told the panel is half-hourly, the missing half-hours are gaps.
    let config = ElectricityConfig {
        resolution_minutes: Some(30),
        ..small_config()
    };
    let err = read(&text, &config).unwrap_err().to_string();
    assert!(
        err.contains("2 missing half-hours in the training range, first at 2016-03-10 02:30"),
        "{err}"
    );
}

#[test]
fn dst_sample_reports_the_hole_and_fills_it() {
    let path = dst_sample();
    let path = path.as_path();
    // 4 profiles, 2016-03-01..2016-03-31 half-hourly (31 x 48 = 1488 rows a node). Explicit
    // ranges clear of the hole: train 5-15 March (11 days, 528 rows), test 16-19 March (4 days,
    // 192 rows); the 48 lags of the first training row reach back into 4 March.
    let config = ElectricityConfig {
        train: Some("2016-03-05..2016-03-15".parse().unwrap()),
        test: Some("2016-03-16..2016-03-19".parse().unwrap()),
        ..Default::default()
    };
    let loaded = load_electricity(path, &config).unwrap();
    assert_eq!(loaded.tasks.ids(), ["BL-H", "G0-A", "G0-M", "G1-A"]);
    assert!(loaded.skipped.is_empty());
    assert!(
        loaded
            .tasks
            .tasks()
            .iter()
            .all(|t| t.train.n_rows() == 528 && t.test.n_rows() == 192)
    );
    // By default the test range is the panel's last 4 days (2016-03-28..2016-03-31) and the
    // training range the 11 days before (2016-03-17..2016-03-27): it holds the daylight-saving
    // hole, empty cells at 2016-03-27 02:00 and 02:30 for every node.
    let err = load_electricity(path, &ElectricityConfig::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "all 4 nodes were skipped (first, 'BL-H': 2 missing half-hours in the training range \
             (2 with an empty value), first at 2016-03-27 02:00)"
        ),
        "{err}"
    );
    // Filling runs of up to 2 missing half-hours bridges it: the paper's shape, every node.
    let config = ElectricityConfig {
        max_fill_steps: 2,
        ..Default::default()
    };
    let loaded = load_electricity(path, &config).unwrap();
    assert_eq!(loaded.tasks.len(), 4);
    let notes = loaded.notes.join("\n");
    for expected in [
        "training range 2016-03-17..2016-03-27 (11 days, default",
        "test range 2016-03-28..2016-03-31 (4 days, default: the last 4 days of the panel)",
        "missing runs of at most 2 half-hours filled by linear interpolation in 4 of the kept nodes",
        "rows per node: train 528, test 192",
    ] {
        assert!(notes.contains(expected), "{expected} not in:\n{notes}");
    }
}
