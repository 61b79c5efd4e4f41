//! Per-task seeds: every fresh initialisation and mini-batch order follows from the run's seed
//! and the task's index alone, so a task trains the same whichever tasks share its batch.

/// The seed of task `task`'s fresh initialisation in a run seeded by `run_seed`
/// (SplitMix64 of the pair), so a task's initial parameters never depend on batching.
pub fn task_init_seed(run_seed: u64, task: usize) -> u64 {
    let mut z = run_seed
        ^ (task as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of task `task`'s mini-batch order in a run seeded by `run_seed` (apart from its
/// initialisation seed, so that mini-batches and initial values are independent draws).
pub fn batch_seed(run_seed: u64, task: usize) -> u64 {
    task_init_seed(run_seed ^ 0x6D69_6E69_6261_7463, task)
}
