//! `--device-memory GB`: how much memory a training level may take on the device, and the
//! default when the option is not given.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use cascade_models::Backend;

/// Memory a training level may take on the device, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceMemory(pub u64);

/// The limit on GPU devices without `--device-memory`: Burn reports no device's total memory,
/// so a level is cut to fit a modest GPU; a bigger one only trains in fewer chunks when told.
pub const GPU_DEFAULT_BYTES: u64 = 8_000_000_000;

impl DeviceMemory {
    /// The limit for `backend`: `given`, else three quarters of the memory the kernel reported
    /// available at the first call for the CPU backends (all of it when it cannot be read), else
    /// [`GPU_DEFAULT_BYTES`].
    pub fn for_backend(given: Option<DeviceMemory>, backend: Backend) -> DeviceMemory {
        given.unwrap_or_else(|| {
            if backend.is_cpu() {
                DeviceMemory(available_bytes().map_or(u64::MAX, |b| b / 4 * 3))
            } else {
                DeviceMemory(GPU_DEFAULT_BYTES)
            }
        })
    }
}

/// The memory available to this process, in bytes: `MemAvailable` of /proc/meminfo (Linux),
/// read once per process: every setting
/// of one run gets the same limit, so settings that train as one program still compare equal.
pub fn available_bytes() -> Option<u64> {
    static AVAILABLE: OnceLock<Option<u64>> = OnceLock::new();
    *AVAILABLE.get_or_init(read_available)
}

/// `CASCADE_MEMORY_GB`, where set, overrides it: a container limited by its cgroup sees the
/// host's `MemAvailable`.
fn read_available() -> Option<u64> {
    if let Some(gb) = std::env::var("CASCADE_MEMORY_GB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|gb| gb.is_finite() && *gb > 0.0)
    {
        return Some((gb * 1e9) as u64);
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

impl FromStr for DeviceMemory {
    type Err = String;

    /// A number of gigabytes (10^9 bytes) greater than 0, e.g. `0.5` or `80`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let gb: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a number of GB"))?;
        let bytes = gb * 1e9;
        if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
            return Err(format!("'{s}' GB: must be a finite number of GB above 0"));
        }
        Ok(DeviceMemory(bytes as u64))
    }
}

impl fmt::Display for DeviceMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0 as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gigabytes_and_refuses_the_rest() {
        assert_eq!(
            "0.5".parse::<DeviceMemory>().unwrap(),
            DeviceMemory(500_000_000)
        );
        assert_eq!("80".parse::<DeviceMemory>().unwrap().to_string(), "80");
        for bad in ["0", "-1", "nan", "inf", "lots", "1e30"] {
            assert!(bad.parse::<DeviceMemory>().is_err(), "{bad}");
        }
        let given = Some(DeviceMemory(7));
        assert_eq!(
            DeviceMemory::for_backend(given, Backend::Wgpu),
            DeviceMemory(7)
        );
        assert_eq!(
            DeviceMemory::for_backend(None, Backend::Wgpu),
            DeviceMemory(GPU_DEFAULT_BYTES)
        );
        // On Linux the CPU default is a part of the memory available now.
        assert!(DeviceMemory::for_backend(None, Backend::Flex).0 > 0);
    }
}
