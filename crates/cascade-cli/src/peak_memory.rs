//! Peak resident memory of this process, for benchmarks (Linux; `None` elsewhere).

/// Resets the kernel's peak-RSS counter (VmHWM) to the current RSS.
pub fn reset() {
    // Writing 5 to clear_refs resets the peak resident set size (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size since the last [`reset`], in bytes.
pub fn read() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Hands the allocator's free memory back to the kernel (glibc's `malloc_trim`), so that the
/// resident size, and the peak after [`reset`], count live memory only (the tuning in
/// `malloc_tuning` otherwise keeps freed memory resident).
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the heap to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The current resident set size, in bytes (Linux; `None` elsewhere).
pub fn current() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
