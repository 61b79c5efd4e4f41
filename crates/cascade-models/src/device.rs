use std::fmt;
use std::str::FromStr;

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// A compute backend, chosen at run time. Which ones exist depends on the crate features
/// (`flex`, `ndarray`, `wgpu`, `cuda`); asking for one that is not compiled in is an error, never
/// a silent fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Burn's pure-Rust CPU backend (recommended by Burn 0.22).
    Flex,
    /// The ndarray CPU backend.
    NdArray,
    /// A GPU (Vulkan, Metal, DX12) through wgpu; on a machine without a GPU, Mesa's lavapipe.
    Wgpu,
    /// An NVIDIA GPU through CUDA.
    Cuda,
}

impl Backend {
    /// Every backend, in the order the help text lists them.
    pub const ALL: [Backend; 4] = [
        Backend::Flex,
        Backend::NdArray,
        Backend::Wgpu,
        Backend::Cuda,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::NdArray => "ndarray",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this build can create the backend's device.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::NdArray => cfg!(feature = "ndarray"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Whether the backend computes on the CPU (flex, ndarray): a host path may then stand in
    /// for it; never for a GPU backend.
    pub fn is_cpu(self) -> bool {
        matches!(self, Backend::Flex | Backend::NdArray)
    }

    /// The backend `device` belongs to (autodiff or not), where it is one of these.
    pub fn of(device: &Device) -> Option<Backend> {
        use burn::backend::DispatchDevice;
        #[allow(unreachable_patterns)]
        match device.as_dispatch().clone().inner() {
            #[cfg(feature = "flex")]
            DispatchDevice::Flex(_) => Some(Backend::Flex),
            #[cfg(feature = "ndarray")]
            DispatchDevice::NdArray(_) => Some(Backend::NdArray),
            // cubecl's devices (wgpu, CUDA, ...) share one variant; its own enum names the
            // runtime, and only these two are compiled in here.
            #[cfg(any(feature = "wgpu", feature = "cuda"))]
            DispatchDevice::Cube(cube) => {
                if format!("{cube:?}").starts_with("Cuda") {
                    Some(Backend::Cuda)
                } else {
                    Some(Backend::Wgpu)
                }
            }
            _ => None,
        }
    }

    /// The backends compiled into this build.
    pub fn compiled() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_compiled())
            .collect()
    }

    /// The device for this backend, with autodiff on (training needs gradients).
    pub fn device(self) -> Result<DeviceChoice, ModelError> {
        let device = self.plain_device()?;
        Ok(DeviceChoice {
            backend: self,
            device: device.autodiff(),
        })
    }

    #[allow(unreachable_code, deprecated)]
    fn plain_device(self) -> Result<Device, ModelError> {
        let missing = || {
            let names: Vec<&str> = Backend::compiled().iter().map(|b| b.name()).collect();
            Err(ModelError::BackendNotCompiled(
                self.name(),
                names.join(", "),
            ))
        };
        match self {
            Backend::Flex => {
                #[cfg(feature = "flex")]
                return Ok(Device::flex());
                missing()
            }
            Backend::NdArray => {
                // Burn 0.22 deprecates ndarray in favour of flex; users still ask for it by name.
                #[cfg(feature = "ndarray")]
                return Ok(Device::ndarray());
                missing()
            }
            Backend::Wgpu => {
                #[cfg(feature = "wgpu")]
                return probe(
                    self,
                    Device::wgpu(burn::prelude::DeviceKind::DefaultDevice),
                    "no usable GPU adapter (without a GPU, install Mesa's software Vulkan, \
                     lavapipe: Debian package mesa-vulkan-drivers, or run scripts/setup)",
                );
                missing()
            }
            Backend::Cuda => {
                #[cfg(feature = "cuda")]
                return probe(self, Device::cuda(0), "no usable CUDA device");
                missing()
            }
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == lower)
            .ok_or_else(|| ModelError::UnknownBackend(s.to_string()))
    }
}

/// A backend together with its autodiff-enabled device.
#[derive(Debug, Clone)]
pub struct DeviceChoice {
    /// Which backend.
    pub backend: Backend,
    /// The device, autodiff on.
    pub device: Device,
}

/// Runs one tiny operation on a GPU `device` so that a missing adapter or driver surfaces here
/// as an error naming the backend, instead of as a panic deep inside the first training step.
/// (The runtimes report a missing adapter by panicking; the panic hook is silenced meanwhile.)
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn probe(backend: Backend, device: Device, hint: &str) -> Result<Device, ModelError> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| {
        burn::tensor::Tensor::<1>::zeros([1], &device)
            .add_scalar(1.0)
            .into_data()
    });
    std::panic::set_hook(hook);
    match result {
        Ok(_) => Ok(device),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the runtime panicked");
            let first_line = reason.lines().next().unwrap_or_default();
            Err(ModelError::DeviceUnavailable(
                backend.name(),
                format!("{hint}; {first_line}"),
            ))
        }
    }
}
