//! Which executor and device trained each method, end to end: `auto` takes the host path for
//! linear cascades only on a CPU device, never in place of a GPU (wgpu here runs on lavapipe,
//! which `scripts/setup` installs), and the table and the run JSON say what trained each method.

mod common;

use common::{cascade, run_with_json};
use serde_json::Value;

/// `(method, executor, device)` of every method in a run JSON's first setting.
fn trained_by(json: &Value) -> Vec<(String, String, String)> {
    json["settings"][0]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().unwrap().to_string();
            (text("method"), text("executor"), text("device"))
        })
        .collect()
}

#[test]
fn auto_trains_linear_cascades_on_the_host_only_on_a_cpu_device() {
    let dir = tempfile::tempdir().unwrap();
    let small = [
        "--tasks",
        "12",
        "--reps",
        "1",
        "--methods",
        "mean,indiv,global,mst-gradient",
    ];
    let (stdout, _, json) = run_with_json(&small, &dir.path().join("flex.json"));
    assert!(stdout.contains("host-linear on host"), "{stdout}");
    assert_eq!(
        trained_by(&json),
        [
            ("mean", "none", "host"),
            ("indiv", "host-linear", "host"),
            ("global", "batched", "flex"),
            ("mst-gradient", "host-linear", "host"),
        ]
        .map(|(m, e, d)| (m.to_string(), e.to_string(), d.to_string()))
    );

    let mut on_wgpu = small.to_vec();
    on_wgpu.extend(["--device", "wgpu"]);
    let (stdout, _, json) = run_with_json(&on_wgpu, &dir.path().join("wgpu.json"));
    assert!(!stdout.contains("host-linear"), "{stdout}");
    for (method, executor, device) in trained_by(&json).into_iter().skip(1) {
        assert_eq!(
            (executor.as_str(), device.as_str()),
            ("batched", "wgpu"),
            "{method}"
        );
    }

    // Asked for by name, the host path runs on any device; it names itself.
    let mut host = on_wgpu.clone();
    host.extend(["--executor", "host"]);
    let (_, _, json) = run_with_json(&host, &dir.path().join("host.json"));
    assert_eq!(trained_by(&json)[1].1, "host-linear");
}

#[test]
fn an_executor_that_cannot_apply_is_a_one_line_error() {
    let out = cascade()
        .args(["run", "--tasks", "6", "--reps", "1", "--methods", "indiv"])
        .args(["--model", "simple-mlp", "--executor", "host"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.contains("host-linear executor trains only linear models"),
        "{stderr}"
    );
    let out = cascade()
        .args(["run", "--executor", "gpu"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("auto, batched, reference, host"),
        "{stderr}"
    );
}
