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
