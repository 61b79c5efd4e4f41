//! glibc's malloc, tuned for training loops that allocate and free the same large tensors at
//! every step.
//!
//! By default glibc serves large blocks with fresh `mmap` pages and returns freed heap tops to
//! the kernel, so every step of a CNN on a 100-client level faults in its activation buffers
//! again: profiled, 10% of the time went to page faults and `clear_page`, and the kernel's share
//! was 5.4 s of an 18 s run. Keeping freed memory in the heap (no `mmap` for large blocks, no trim
//! below 1 GiB, a 256 MiB top pad) made the same run's training 10.5 s instead of 14.8 s, with 1.1 s
//! in the kernel, and left `cascade run` on synthetic tasks unchanged (8.2 s). The cost is
//! memory kept by the process after a peak, which a command-line run does not mind.

/// Applies the settings; call once, before any other thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    // SAFETY: mallopt only changes the allocator's parameters; it is called at the start of
    // main, before any thread exists, and a refused value (return 0) leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 256 << 20);
    }
}

/// Other platforms keep their allocator's defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
