//! A plan cut into jobs, run as local processes: `plan --jobs`, `submit --local`, `merge`
//! give the cascade `train` gives (the same predictions on held-out rows, to the last digit),
//! and every misuse is a one-line error naming the plan, job or option.

mod common;

use std::fs;
use std::path::Path;

use common::{cascade, repo};

/// The shipped exam schools as grouped CSV tasks.
fn exam_data() -> Vec<String> {
    let path = repo().join("datasets/schools/exam.csv");
    [
        "--data",
        "tasks-csv",
        path.to_str().unwrap(),
        "--task-column",
        "school",
        "--target",
        "normexam",
        "--features",
        "standLRT,sex,schgend,vr,intake,type,schavg",
        "--budget",
        "600",
    ]
    .map(String::from)
    .to_vec()
}

/// Runs `cascade ARGS`, asserts success, returns stdout.
fn ok(args: &[&str]) -> String {
    let out = cascade().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cascade {args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `cascade ARGS`, asserts failure with a one-line error containing `needle`.
fn fails(args: &[&str], needle: &str) {
    let out = cascade().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "cascade {args:?} succeeded");
    let error = stderr.lines().last().unwrap_or_default();
    assert!(error.starts_with("error: "), "{stderr}");
    assert!(error.contains(needle), "expected '{needle}' in: {stderr}");
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_grouped_csv_trained_as_local_jobs_predicts_exactly_as_train_does() {
    let temp = tempfile::tempdir().unwrap();
    let (one, plan, merged, rows) = (
        temp.path().join("one"),
        temp.path().join("plan"),
        temp.path().join("merged"),
        temp.path().join("rows.csv"),
    );
    let data = exam_data();
    let data: Vec<&str> = data.iter().map(String::as_str).collect();
    ok(&[
        &["train"],
        &data[..],
        &["--out", path(&one), "--test-out", path(&rows)],
    ]
    .concat());
    let listing = ok(&[&["plan"], &data[..], &["--jobs", "4", "--out", path(&plan)]].concat());
    assert!(listing.contains("cut into 4 jobs"), "{listing}");
    let jobs: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(plan.join("jobs.json")).unwrap()).unwrap();
    assert_eq!(jobs["format"], "cascade-jobs/1");
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 4);
    assert!(jobs["jobs"][1]["parent_task"].is_string(), "{jobs}");

    // A job whose parent has not finished cannot start; nothing can merge yet.
    let child = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["parent_job"].is_number())
        .unwrap()["id"]
        .to_string();
    fails(
        &["train", "--plan", path(&plan), "--job", &child],
        "has not finished; train job",
    );
    fails(
        &["merge", path(&plan), "--out", path(&merged)],
        "4 of 4 jobs have not finished",
    );

    // Job 0 alone, then again (nothing to do); a killed run of job 1 left a partial folder.
    ok(&["train", "--plan", path(&plan), "--job", "0"]);
    let again = ok(&["train", "--plan", path(&plan), "--job", "0"]);
    assert!(again.contains("already finished"), "{again}");
    fs::create_dir_all(plan.join("jobs/1/tasks")).unwrap();
    fs::write(plan.join("jobs/1/tasks/00000.bpk"), b"truncated").unwrap();
    fails(
        &["submit", path(&plan), "--local", "2"],
        "1 of 4 jobs have already finished; pass --resume",
    );
    let run = ok(&["submit", path(&plan), "--local", "2", "--resume"]);
    assert!(
        run.contains("[3/3]") && run.contains("all 3 jobs finished"),
        "{run}"
    );
    let done = ok(&["submit", path(&plan), "--local", "2", "--resume"]);
    assert!(done.contains("all 4 jobs of"), "{done}");
    ok(&["merge", path(&plan), "--out", path(&merged)]);

    let (p1, p2) = (temp.path().join("p1.csv"), temp.path().join("p2.csv"));
    ok(&[
        "predict",
        path(&one),
        "--input",
        path(&rows),
        "--out",
        path(&p1),
    ]);
    ok(&[
        "predict",
        path(&merged),
        "--input",
        path(&rows),
        "--out",
        path(&p2),
    ]);
    let (a, b) = (
        fs::read_to_string(&p1).unwrap(),
        fs::read_to_string(&p2).unwrap(),
    );
    assert!(a.lines().count() > 100, "{a}");
    assert!(
        a == b,
        "predictions of the merged jobs differ from one-process training"
    );
}

#[test]
fn misused_plan_folders_are_one_line_errors() {
    let temp = tempfile::tempdir().unwrap();
    let plan = temp.path().join("plan");
    let small = ["-T", "12", "--n-test", "8"];
    ok(&[
        &["plan"],
        &small[..],
        &["--jobs", "3", "--out", path(&plan)],
    ]
    .concat());
    fails(
        &[
            &["plan"],
            &small[..],
            &["--jobs", "3", "--out", path(&plan)],
        ]
        .concat(),
        "the folder is not empty",
    );
    fails(
        &["train", "--plan", path(&plan), "--job", "9"],
        "the plan has jobs 0 to",
    );
    fails(
        &["train", "--plan", path(&plan), "--job", "0", "--out", "x"],
        "invalid value for --out",
    );
    fails(
        &[
            &["plan"],
            &small[..],
            &["--method", "global", "--jobs", "2", "--out", "g"],
        ]
        .concat(),
        "cannot be cut into jobs",
    );
    fails(
        &["merge", path(temp.path()), "--out", "x"],
        "no jobs.json here",
    );
    fails(
        &["submit", path(&plan), "--local", "1", "--devices", "flex:1"],
        "has no device index",
    );
    let jobs = plan.join("jobs.json");
    let text = fs::read_to_string(&jobs).unwrap();
    fs::write(&jobs, text.replace("cascade-jobs/1", "cascade-jobs/9")).unwrap();
    fails(
        &["submit", path(&plan), "--local", "1"],
        "format 'cascade-jobs/9' is not 'cascade-jobs/1'",
    );
    fs::write(&jobs, &text[..text.len() / 2]).unwrap();
    fails(
        &["submit", path(&plan), "--local", "1"],
        "jobs.json is not valid",
    );
}

#[test]
fn slurm_dry_runs_print_each_job_after_its_parent() {
    let temp = tempfile::tempdir().unwrap();
    let plan = temp.path().join("plan");
    ok(&["plan", "-T", "20", "--jobs", "3", "--out", path(&plan)]);
    let scripts = ok(&[
        "submit",
        path(&plan),
        "--slurm",
        "--dry-run",
        "--gpus-per-job",
        "1",
        "--sbatch-arg=--partition=gpu",
    ]);
    assert!(scripts.contains("#SBATCH --gpus=1"), "{scripts}");
    assert!(scripts.contains("#SBATCH --partition=gpu"), "{scripts}");
    assert!(scripts.contains("JOB_0=$(sbatch --parsable"), "{scripts}");
    assert!(scripts.contains("--dependency=afterok:$JOB_0"), "{scripts}");
    assert!(scripts.contains("train --plan"), "{scripts}");
    assert!(!plan.join("slurm").exists(), "a dry run writes nothing");
}

#[test]
fn local_jobs_train_on_the_device_slots_given() {
    let temp = tempfile::tempdir().unwrap();
    let plan = temp.path().join("plan");
    ok(&[
        "plan",
        "-T",
        "12",
        "--n-test",
        "8",
        "--jobs",
        "3",
        "--out",
        path(&plan),
    ]);
    let run = ok(&[
        "submit",
        path(&plan),
        "--local",
        "1",
        "--devices",
        "ndarray",
    ]);
    assert!(run.contains("on ndarray"), "{run}");
    for job in 0..3 {
        let log = fs::read_to_string(plan.join(format!("logs/job-{job}.log"))).unwrap();
        assert!(log.contains("on ndarray"), "{log}");
    }
    ok(&[
        "merge",
        path(&plan),
        "--out",
        path(&temp.path().join("merged")),
    ]);
}

#[test]
fn a_plan_from_distance_blocks_computed_apart_is_the_one_process_plan() {
    let temp = tempfile::tempdir().unwrap();
    let (blocks, a, b) = (
        temp.path().join("blocks"),
        temp.path().join("a"),
        temp.path().join("b"),
    );
    let data = ["-T", "30", "--n-test", "8", "--method", "mst-feature"];
    for block in 0..2 {
        let block = block.to_string();
        ok(&[
            &["plan"],
            &data[..],
            &["--blocks", "3", "--block", &block, "--out", path(&blocks)],
        ]
        .concat());
    }
    fails(
        &[
            &["plan"],
            &data[..],
            &[
                "--jobs",
                "3",
                "--out",
                path(&b),
                "--blocks-from",
                path(&blocks),
            ],
        ]
        .concat(),
        "missing blocks 2",
    );
    ok(&[
        &["plan"],
        &data[..],
        &["--blocks", "3", "--block", "2", "--out", path(&blocks)],
    ]
    .concat());
    fails(
        &[
            &["plan"],
            &["-T", "30", "--n-test", "8"][..],
            &["--jobs", "3", "--out", path(&b)],
            &["--blocks-from", path(&blocks)],
        ]
        .concat(),
        "the method mst-gradient plans over 30 tasks with gradient",
    );
    ok(&[&["plan"], &data[..], &["--jobs", "3", "--out", path(&a)]].concat());
    ok(&[
        &["plan"],
        &data[..],
        &[
            "--jobs",
            "3",
            "--out",
            path(&b),
            "--blocks-from",
            path(&blocks),
        ],
    ]
    .concat());
    for file in ["plan.json", "jobs.json", "run.json"] {
        assert_eq!(
            fs::read_to_string(a.join(file)).unwrap(),
            fs::read_to_string(b.join(file)).unwrap(),
            "{file}"
        );
    }
    fails(
        &[
            "plan", "-T", "30", "--method", "star", "--blocks", "2", "--block", "0", "--out", "x",
        ],
        "only an MST method's tree distance is computed in blocks",
    );
}

#[test]
fn a_depth_bounded_tree_saves_loads_and_trains_as_jobs_but_not_from_blocks() {
    let temp = tempfile::tempdir().unwrap();
    let (one, plan, merged, rows) = (
        temp.path().join("one"),
        temp.path().join("plan"),
        temp.path().join("merged"),
        temp.path().join("rows.csv"),
    );
    let data = exam_data();
    let data: Vec<&str> = data.iter().map(String::as_str).collect();
    let method = ["--method", "mst-gradient:depth=2"];
    ok(&[
        &["train"],
        &data[..],
        &method[..],
        &["--out", path(&one), "--test-out", path(&rows)],
    ]
    .concat());
    ok(&[
        &["plan"],
        &data[..],
        &method[..],
        &["--jobs", "3", "--out", path(&plan)],
    ]
    .concat());
    let planned: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(plan.join("plan.json")).unwrap()).unwrap();
    assert_eq!(planned["method"]["shaped_mst"]["shape"]["depth"], 2);
    let depths = planned["schedule"]["tree"]["depth"].as_array().unwrap();
    assert!(
        depths.iter().all(|d| d.as_u64().unwrap() <= 2),
        "{depths:?}"
    );
    assert!(
        depths.iter().any(|d| d.as_u64().unwrap() == 2),
        "{depths:?}"
    );
    ok(&["submit", path(&plan), "--local", "2"]);
    ok(&["merge", path(&plan), "--out", path(&merged)]);
    let predict = |cascade: &Path, out: &str| {
        let out = temp.path().join(out);
        ok(&[
            "predict",
            path(cascade),
            "--input",
            path(&rows),
            "--out",
            path(&out),
        ]);
        fs::read_to_string(out).unwrap()
    };
    let (a, b) = (predict(&one, "p1.csv"), predict(&merged, "p2.csv"));
    assert!(a.lines().count() > 100, "{a}");
    assert!(a == b, "predictions of the merged jobs differ from train's");
    let manifest = fs::read_to_string(one.join("manifest.json")).unwrap();
    assert!(manifest.contains("mst-gradient:depth=2"), "{manifest}");

    let bounded = ["-T", "30", "--method", "mst-gradient:depth=2"];
    let blocks = path(&temp.path().join("blocks")).to_string();
    fails(
        &[
            &["plan"],
            &bounded[..],
            &["--blocks", "2", "--block", "0", "--out", &blocks],
        ]
        .concat(),
        "cannot be joined from distance blocks",
    );
    ok(&[
        "plan", "-T", "30", "--blocks", "2", "--block", "0", "--out", &blocks,
    ]);
    ok(&[
        "plan", "-T", "30", "--blocks", "2", "--block", "1", "--out", &blocks,
    ]);
    fails(
        &[
            &["plan"],
            &bounded[..],
            &["--jobs", "2", "--out", path(&temp.path().join("b"))],
            &["--blocks-from", &blocks],
        ]
        .concat(),
        "cannot be joined from distance blocks",
    );
    fails(
        &["train", "-T", "10", "--method", "mst-gradient:depth=0"],
        "depth=0: the depth bound is a whole number >= 1",
    );
    fails(
        &["run", "-T", "10", "--methods", "star,mst-gradient:foo=1"],
        "unknown option 'foo=1'",
    );
}

#[test]
fn a_job_killed_at_any_moment_leaves_it_finished_or_not_started() {
    let temp = tempfile::tempdir().unwrap();
    let (plan, merged) = (temp.path().join("plan"), temp.path().join("merged"));
    ok(&[
        "plan",
        "-T",
        "400",
        "--model",
        "simple-mlp",
        "--jobs",
        "2",
        "--out",
        path(&plan),
    ]);
    ok(&["train", "--plan", path(&plan), "--job", "0"]);
    let start = std::time::Instant::now();
    ok(&["train", "--plan", path(&plan), "--job", "1"]);
    let whole = start.elapsed();
    // Kill fresh runs of job 1 at moments spread over a whole run, the save included: the job
    // is then either finished (and merges) or not there (and runs again), never half-written.
    for k in 1..=6u32 {
        fs::remove_dir_all(plan.join("jobs/1")).unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cascade"))
            .args(["train", "--plan", path(&plan), "--job", "1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(0.5 + 0.1 * f64::from(k)));
        child.kill().unwrap(); // SIGKILL: no chance to clean up.
        child.wait().unwrap();
        if plan.join("jobs/1/finished.json").exists() {
            let _ = fs::remove_dir_all(&merged);
            ok(&["merge", path(&plan), "--out", path(&merged)]);
        } else {
            fails(
                &["merge", path(&plan), "--out", path(&merged)],
                "1 of 2 jobs have not finished",
            );
            let rerun = ok(&["train", "--plan", path(&plan), "--job", "1"]);
            assert!(
                !rerun.contains("already finished"),
                "after a kill at {k}: {rerun}"
            );
        }
    }
}
