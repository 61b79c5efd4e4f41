//! scripts/gpu-check, the prepared GPU check, run at toy size on this machine's wgpu (lavapipe
//! without a GPU) through the binary the tests built, so the script cannot rot between the
//! sessions that have a GPU: every step must succeed and the JSON must hold each step's rows.

use std::path::Path;
use std::process::Command;

#[test]
fn gpu_check_runs_at_toy_size_and_writes_one_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gpu-check.json");
    let status = Command::new(root.join("scripts/gpu-check"))
        .args(["--toy", "--bin", env!("CARGO_BIN_EXE_cascade"), "--out"])
        .arg(&out)
        .status()
        .expect("scripts/gpu-check starts");
    assert!(status.success(), "scripts/gpu-check --toy failed: {status}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["device"], "wgpu");
    assert_eq!(json["toy"], true);
    for step in ["equivalence", "synthetic", "fashion_mnist"] {
        assert_eq!(json[step]["exit_code"], 0, "{step}: {}", json[step]);
        let rows = json[step]["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{step} rows"));
        assert!(!rows.is_empty(), "{step}");
        for row in rows {
            assert!(row["images_per_s"].as_f64().unwrap() > 0.0, "{step}: {row}");
        }
    }
    // The equivalence step compared flex with wgpu, reference with batched, for both CNNs.
    let rows = json["equivalence"]["rows"].as_array().unwrap();
    for (device, model) in [
        ("flex", "small-cnn:2 grouped"),
        ("wgpu", "resnet8:2 matmul"),
    ] {
        assert!(
            rows.iter()
                .any(|r| r["device"] == device && r["model"] == model),
            "{device} {model}"
        );
    }
    let log = json["equivalence"]["log_tail"].to_string();
    assert!(log.contains("check passed"), "{log}");
}
