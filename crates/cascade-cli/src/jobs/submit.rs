//! `cascade submit PLAN`: run a plan folder's jobs on Slurm ([`super::slurm`]) or as local
//! processes ([`super::local`]), each job after its parent job.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;

use cascade_models::Backend;

use super::plan_dir::PlanDir;
use crate::args::SubmitArgs;
use crate::error::CliError;

/// Where a local job trains: a backend and, for GPU backends, which device (`wgpu:1`,
/// `cuda:0`). The index reaches the job through the runtime's own variable
/// (`CUBECL_WGPU_DEFAULT_DEVICE=DiscreteGpu(i)` for wgpu, `CUDA_VISIBLE_DEVICES=i` for cuda),
/// so each process sees its own device as the default one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceSlot {
    /// The backend the job trains on.
    pub backend: Backend,
    /// The device's index among the backend's, when given.
    pub index: Option<usize>,
}

impl FromStr for DeviceSlot {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, index) = match s.split_once(':') {
            Some((name, index)) => {
                let index = index
                    .parse::<usize>()
                    .map_err(|_| format!("'{s}': the device index '{index}' is not a number"))?;
                (name, Some(index))
            }
            None => (s, None),
        };
        let backend = Backend::from_str(name).map_err(|e| e.to_string())?;
        if index.is_some() && backend.is_cpu() {
            return Err(format!(
                "'{s}': {backend} runs on the CPU and has no device index"
            ));
        }
        Ok(Self { backend, index })
    }
}

impl fmt::Display for DeviceSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}:{i}", self.backend),
            None => write!(f, "{}", self.backend),
        }
    }
}

impl DeviceSlot {
    /// The environment variable that makes device `index` the process's default one.
    pub fn env(&self) -> Option<(&'static str, String)> {
        let index = self.index?;
        match self.backend {
            Backend::Wgpu => Some((
                "CUBECL_WGPU_DEFAULT_DEVICE",
                format!("DiscreteGpu({index})"),
            )),
            Backend::Cuda => Some(("CUDA_VISIBLE_DEVICES", index.to_string())),
            Backend::Flex | Backend::NdArray => None,
        }
    }
}

/// Runs `cascade submit`.
pub fn submit(args: &SubmitArgs) -> Result<(), CliError> {
    // Jobs may start in another working directory (a cluster node): give them the full path.
    let plan = std::fs::canonicalize(&args.plan).map_err(|e| CliError::Jobs {
        plan: args.plan.clone(),
        reason: format!("cannot open the folder: {e}"),
    })?;
    let dir = PlanDir::open(&plan)?;
    let unfinished = dir.unfinished()?;
    let finished = dir.list.jobs.len() - unfinished.len();
    if unfinished.is_empty() {
        println!(
            "all {} jobs of {} have finished; join them with `cascade merge {} --out DIR`",
            dir.list.jobs.len(),
            args.plan.display(),
            args.plan.display()
        );
        return Ok(());
    }
    if finished > 0 && !args.resume {
        return Err(CliError::Usage {
            option: "--resume",
            reason: format!(
                "{finished} of {} jobs have already finished; pass --resume to submit only the \
                 other {}",
                dir.list.jobs.len(),
                unfinished.len()
            ),
        });
    }
    let bin = match &args.cascade_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe().map_err(|e| CliError::Usage {
            option: "--cascade-bin",
            reason: format!("cannot find this program's path ({e}); name the binary"),
        })?,
    };
    let device = args.device.unwrap_or(dir.run.settings.device);
    match args.local {
        Some(n) => super::local::run(&dir, &unfinished, n.get(), &devices(args, device), &bin),
        None => super::slurm::submit(&dir, &unfinished, args, device, &bin),
    }
}

/// The local device slots: `--devices`, or the jobs' device.
fn devices(args: &SubmitArgs, device: Backend) -> Vec<DeviceSlot> {
    if args.devices.is_empty() {
        vec![DeviceSlot {
            backend: device,
            index: None,
        }]
    } else {
        args.devices.clone()
    }
}

/// The command that trains job `id` of the plan folder `plan` with the binary `bin`.
pub fn job_command(bin: &PathBuf, plan: &std::path::Path, id: usize, device: Backend) -> Command {
    let mut command = Command::new(bin);
    command
        .arg("train")
        .arg("--plan")
        .arg(plan)
        .arg("--job")
        .arg(id.to_string())
        .arg("--device")
        .arg(device.to_string());
    command
}
