//! Work that would need more memory than is available is refused before it starts, with the
//! estimate; `--skip-memory-check` goes ahead. `CASCADE_MEMORY_GB` stands for the machine's
//! available memory, so a tiny run can be "too big" here.

mod common;

use common::cascade;

const TINY: [&str; 8] = [
    "run",
    "-T",
    "10",
    "--reps",
    "1",
    "--methods",
    "indiv",
    "--budget",
];

#[test]
fn a_run_past_the_available_memory_is_refused_unless_told_to_go_ahead() {
    // 10 tasks x 192 rows x 21 values x 16 bytes = 645,120 bytes, against 0.5 MB available.
    let refused = cascade()
        .env("CASCADE_MEMORY_GB", "0.0005")
        .args(TINY)
        .arg("50")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: needs about 645 kB of memory (the synthetic tasks' data, 10 tasks x 192 rows \
         x 21 values: 645 kB); this machine has 500 kB available (--skip-memory-check goes \
         ahead anyway)"
    );
    let ahead = cascade()
        .env("CASCADE_MEMORY_GB", "0.0005")
        .args(TINY)
        .args(["50", "--skip-memory-check"])
        .output()
        .unwrap();
    assert!(
        ahead.status.success(),
        "{}",
        String::from_utf8_lossy(&ahead.stderr)
    );
    // With the memory to spare, no flag is needed.
    let roomy = cascade()
        .env("CASCADE_MEMORY_GB", "0.001")
        .args(TINY)
        .arg("50")
        .output()
        .unwrap();
    assert!(roomy.status.success());
}
