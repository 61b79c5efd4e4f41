//! A real single-node Slurm cluster on localhost for integration tests: its own `munged`,
//! `slurmctld` and `slurmd` (Debian's `slurm-wlm` and `munge`, installed by `scripts/setup`),
//! run as the current user (root) from a generated `slurm.conf` in a temporary folder, on two
//! free TCP ports, so that several clusters, one per test, can run side by side.
//!
//! No cgroups, no accounting database: processes are tracked by their parent links
//! (`proctrack/linuxproc`), and finished jobs stay visible to `scontrol show job` for an hour
//! (`MinJobAge=3600`), which is how [`LocalSlurm::state`] sees COMPLETED, FAILED and CANCELLED.
//!
//! Dropping a [`LocalSlurm`] cancels its jobs, stops its daemons, kills any process left that
//! carries its `SLURM_CONF` (job steps), and removes the folder; it also runs when a test panics.
//! If the test process itself is killed, a small watchdog shell does the same within seconds.

// Not every test binary that includes this module uses every helper.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long each daemon may take to come up before [`LocalSlurm::start`] gives up.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the helpers poll the daemons or a job.
const POLL: Duration = Duration::from_millis(100);
/// The one node's name; `slurmd -N` makes slurmd take it whatever the host is called.
const NODE: &str = "localhost";
/// The one partition, the default for every job.
pub const PARTITION: &str = "debug";
/// Job states after which a job never changes again (`scontrol show job`'s `JobState`).
pub const TERMINAL_STATES: [&str; 9] = [
    "BOOT_FAIL",
    "CANCELLED",
    "COMPLETED",
    "DEADLINE",
    "FAILED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "TIMEOUT",
];

/// What a readiness check found.
enum Check {
    Ready,
    /// Not yet, and why (shown if it never gets ready).
    NotYet(String),
    /// Never will be, and why.
    Failed(String),
}

/// A running daemon of the cluster: its foreground process and where it writes.
struct Daemon {
    name: &'static str,
    child: Child,
    log: PathBuf,
    stderr: PathBuf,
}

impl Daemon {
    /// The last lines of its log file and of its stderr, for an error message.
    fn tail(&self) -> String {
        format!(
            "--- last lines of {} ---\n{}\n--- last lines of {} ---\n{}",
            self.log.display(),
            tail(&self.log, 25),
            self.stderr.display(),
            tail(&self.stderr, 10)
        )
    }

    /// An error saying that this daemon did not come up, why, and its logs' tails.
    fn failed(&self, why: &str) -> String {
        format!(
            "local Slurm: {} did not start: {why}\n{}",
            self.name,
            self.tail()
        )
    }

    /// Asks it to stop (SIGTERM), waits up to `patience`, then kills it (SIGKILL) and reaps it.
    fn stop(&mut self, patience: Duration) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        signal("TERM", &[self.child.id()]);
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A single-node Slurm cluster of its own, up from [`LocalSlurm::start`] until dropped.
pub struct LocalSlurm {
    /// Everything of the cluster: key, sockets, config, state, spool, logs; removed on drop.
    dir: tempfile::TempDir,
    conf: PathBuf,
    /// munged, slurmctld, slurmd, in the order they started.
    daemons: Vec<Daemon>,
    /// Stops the daemons if this process dies without dropping the cluster.
    watchdog: Option<Child>,
}

impl LocalSlurm {
    /// Starts munged, slurmctld and slurmd, and returns once the node is idle and takes jobs
    /// (about 0.4 s on a 2-core machine). The error names the daemon that did not come up and
    /// ends with the tails of its log and stderr; whatever had started is stopped again.
    pub fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("cascade-slurm-")
            .tempdir()
            .map_err(|e| format!("local Slurm: cannot create a temporary folder: {e}"))?;
        let conf = dir.path().join("slurm.conf");
        let mut cluster = LocalSlurm {
            dir,
            conf,
            daemons: Vec::new(),
            watchdog: None,
        };
        cluster.start_munged()?;
        let text = slurm_conf(
            cluster.dir.path(),
            &node_hardware()?,
            free_ports()?,
            &user()?,
        );
        fs::write(&cluster.conf, text)
            .map_err(|e| format!("local Slurm: cannot write {}: {e}", cluster.conf.display()))?;
        for dir in ["state", "spool"] {
            fs::create_dir(cluster.dir.path().join(dir))
                .map_err(|e| format!("local Slurm: cannot create {dir}: {e}"))?;
        }
        cluster.spawn("slurmctld", &["-D"])?;
        cluster.wait_up(|c| {
            Ok(match c.output_of("scontrol", &["ping"]) {
                Ok(out) if out.contains("is UP") => Check::Ready,
                Ok(out) => Check::NotYet(format!("scontrol ping: {}", out.trim())),
                Err(e) => Check::NotYet(e),
            })
        })?;
        cluster.spawn("slurmd", &["-D", "-N", NODE])?;
        cluster.wait_up(|c| {
            let state = match c.output_of("sinfo", &["-h", "-n", NODE, "-o", "%T"]) {
                Ok(state) => state,
                Err(e) => return Ok(Check::NotYet(e)),
            };
            Ok(match state.trim() {
                "idle" => Check::Ready,
                s if s.starts_with("drain") || s.starts_with("inval") || s.starts_with("down") => {
                    let node = c.output_of("scontrol", &["show", "node", NODE])?;
                    Check::Failed(format!("the node is {s}:\n{node}"))
                }
                s => Check::NotYet(format!("the node is {s:?}")),
            })
        })?;
        cluster.watchdog = Some(cluster.spawn_watchdog()?);
        Ok(cluster)
    }

    /// The generated `slurm.conf`.
    pub fn conf_path(&self) -> &Path {
        &self.conf
    }

    /// The cluster's own folder (config, state, logs; the working folder of [`Self::command`]).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `program` (sbatch, squeue, scontrol, ...) set up for this cluster: `SLURM_CONF` points
    /// at its config, the caller's other `SLURM_*`/`SBATCH_*`/... variables are removed, and it
    /// runs in [`Self::dir`], so jobs without `--output` write their `slurm-ID.out` there.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            let slurm_prefixes = ["SLURM_", "SBATCH_", "SALLOC_", "SRUN_", "SQUEUE_", "SINFO_"];
            if slurm_prefixes.iter().any(|p| key_text.starts_with(p)) {
                command.env_remove(&key);
            }
        }
        command
            .env("SLURM_CONF", &self.conf)
            .current_dir(self.dir.path());
        command
    }

    /// Runs `sbatch --parsable ARGS` (a script path with its arguments, or options such as
    /// `--wrap`, `--dependency=afterok:ID`) and returns the new job's id.
    pub fn sbatch<I, S>(&self, args: I) -> Result<u32, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command("sbatch");
        command.arg("--parsable").args(args);
        let out = run(&mut command)?;
        // `--parsable` prints "ID" or "ID;CLUSTER".
        let id = out.trim().split(';').next().unwrap_or_default();
        id.parse()
            .map_err(|_| format!("sbatch printed {out:?}, not a job id"))
    }

    /// The fields of `scontrol show job ID` (`JobState`, `Reason`, `StartTime`, `EndTime`,
    /// `ExitCode`, `Dependency`, ...), as text.
    pub fn job(&self, id: u32) -> Result<HashMap<String, String>, String> {
        let out = self.output_of("scontrol", &["show", "job", "-o", &id.to_string()])?;
        Ok(parse_fields(&out))
    }

    /// The job's state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ...
    pub fn state(&self, id: u32) -> Result<String, String> {
        self.field(id, "JobState")
    }

    /// Why the job is in its state: `None`, `Dependency`, `DependencyNeverSatisfied`, ...
    pub fn reason(&self, id: u32) -> Result<String, String> {
        self.field(id, "Reason")
    }

    /// Waits until the job's state is one of `states`, and returns it; an error once `timeout`
    /// has passed, or if the job ends in a state not among `states`.
    pub fn wait_for_state(
        &self,
        id: u32,
        states: &[&str],
        timeout: Duration,
    ) -> Result<String, String> {
        let what = format!("in state {states:?}");
        let fields = self.wait_for_job(id, &what, timeout, |f| {
            f.get("JobState")
                .is_some_and(|s| states.contains(&s.as_str()))
        })?;
        Ok(fields["JobState"].clone())
    }

    /// Waits until `ready` holds for the job's fields (see [`Self::job`]) and returns them; an
    /// error saying the job is not `what` once `timeout` has passed or once the job has ended
    /// without `ready` holding.
    pub fn wait_for_job(
        &self,
        id: u32,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&HashMap<String, String>) -> bool,
    ) -> Result<HashMap<String, String>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let fields = self.job(id)?;
            if ready(&fields) {
                return Ok(fields);
            }
            let state = fields.get("JobState").map_or("", String::as_str);
            let ended = TERMINAL_STATES.contains(&state);
            if ended || Instant::now() >= deadline {
                let why = if ended {
                    format!("it ended {state}")
                } else {
                    format!("not within {timeout:?}")
                };
                return Err(format!(
                    "job {id} is not {what}: {why}\n{}",
                    self.describe(&[id])
                ));
            }
            sleep(POLL);
        }
    }

    /// Waits until every job in `ids` has ended (a state in [`TERMINAL_STATES`]) and returns their
    /// final states in the order of `ids`; an error naming each job's state and reason once
    /// `timeout` has passed.
    pub fn wait_until_done(&self, ids: &[u32], timeout: Duration) -> Result<Vec<String>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let states = ids
                .iter()
                .map(|&id| self.state(id))
                .collect::<Result<Vec<_>, _>>()?;
            if states.iter().all(|s| TERMINAL_STATES.contains(&s.as_str())) {
                return Ok(states);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "jobs {ids:?} not all done after {timeout:?}\n{}",
                    self.describe(ids)
                ));
            }
            sleep(POLL);
        }
    }

    /// Cancels the job (`scancel ID`); it then ends CANCELLED unless it had already ended.
    pub fn scancel(&self, id: u32) -> Result<(), String> {
        run(self.command("scancel").arg(id.to_string())).map(drop)
    }

    /// One line per job: id, state, reason, dependency; for error messages.
    pub fn describe(&self, ids: &[u32]) -> String {
        ids.iter()
            .map(|&id| match self.job(id) {
                Ok(f) => {
                    let get = |k: &str| f.get(k).map_or("?", String::as_str);
                    format!(
                        "job {id}: {} reason={} dependency={} exit={}",
                        get("JobState"),
                        get("Reason"),
                        get("Dependency"),
                        get("ExitCode")
                    )
                }
                Err(e) => format!("job {id}: {e}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn field(&self, id: u32, key: &str) -> Result<String, String> {
        self.job(id)?
            .remove(key)
            .ok_or_else(|| format!("scontrol show job {id} has no {key}"))
    }

    /// Runs a client command to completion and returns its stdout (an error if it failed).
    fn output_of(&self, program: &str, args: &[&str]) -> Result<String, String> {
        run(self.command(program).args(args))
    }

    /// Creates a munge key and starts munged on its own socket, as slurm.conf's AuthInfo says.
    fn start_munged(&mut self) -> Result<(), String> {
        let dir = self.dir.path().to_owned();
        let key = dir.join("munge.key");
        let mut bytes = vec![0; 1024];
        fs::File::open("/dev/urandom")
            .and_then(|mut urandom| urandom.read_exact(&mut bytes))
            .map_err(|e| format!("local Slurm: cannot read /dev/urandom: {e}"))?;
        fs::write(&key, &bytes)
            .and_then(|()| fs::set_permissions(&key, fs::Permissions::from_mode(0o400)))
            .map_err(|e| format!("local Slurm: cannot write {}: {e}", key.display()))?;
        let socket = dir.join("munge.socket");
        let option = |name: &str, path: &Path| {
            let mut arg = OsString::from(format!("--{name}="));
            arg.push(path);
            arg
        };
        let args = [
            "-F".into(),
            // Runs even where it frowns on the temporary folder's permissions.
            "--force".into(),
            option("key-file", &key),
            option("socket", &socket),
            option("pid-file", &dir.join("munged.pid")),
            option("log-file", &dir.join("munged.log")),
            option("seed-file", &dir.join("munged.seed")),
        ];
        self.spawn_with("munged", &args, dir.join("munged.log"))?;
        self.wait_up(|_| {
            Ok(if socket.exists() {
                Check::Ready
            } else {
                Check::NotYet(format!("no socket {}", socket.display()))
            })
        })
    }

    /// Starts a Slurm daemon in the foreground with this cluster's config.
    fn spawn(&mut self, name: &'static str, args: &[&str]) -> Result<(), String> {
        let args: Vec<OsString> = args.iter().map(Into::into).collect();
        let log = self.dir.path().join(format!("{name}.log"));
        self.spawn_with(name, &args, log)
    }

    fn spawn_with(
        &mut self,
        name: &'static str,
        args: &[OsString],
        log: PathBuf,
    ) -> Result<(), String> {
        let stderr = self.dir.path().join(format!("{name}.stderr"));
        let file = fs::File::create(&stderr)
            .map_err(|e| format!("local Slurm: cannot write {}: {e}", stderr.display()))?;
        let child = self
            .command(daemon_program(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .spawn()
            .map_err(|e| {
                format!("local Slurm: cannot run {name} ({e}); is it installed? run scripts/setup")
            })?;
        self.daemons.push(Daemon {
            name,
            child,
            log,
            stderr,
        });
        Ok(())
    }

    /// Polls `ready` until it says so, fails, the newest daemon exits, or [`START_TIMEOUT`]
    /// passes; the error names that daemon and shows its logs.
    fn wait_up(&mut self, ready: impl Fn(&Self) -> Result<Check, String>) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let why = match ready(self) {
                Ok(Check::Ready) => return Ok(()),
                Ok(Check::NotYet(why)) => why,
                Ok(Check::Failed(why)) | Err(why) => {
                    return Err(self.daemons.last().expect("a daemon").failed(&why));
                }
            };
            let daemon = self.daemons.last_mut().expect("a daemon was started");
            if let Ok(Some(status)) = daemon.child.try_wait() {
                return Err(daemon.failed(&format!("it exited ({status}); last check: {why}")));
            }
            if Instant::now() >= deadline {
                return Err(daemon.failed(&format!(
                    "not ready after {START_TIMEOUT:?}; last check: {why}"
                )));
            }
            sleep(POLL);
        }
    }

    /// A shell that waits for this process to end, then stops the daemons, kills what carries
    /// this cluster's `SLURM_CONF` and removes the folder: what [`Drop`] does, for when the test
    /// process is killed and never drops the cluster.
    fn spawn_watchdog(&self) -> Result<Child, String> {
        const SCRIPT: &str = r#"me=$1 dir=$2 conf=$3; shift 3
while kill -0 "$me" 2>/dev/null; do sleep 1; done
kill "$@"; sleep 2; kill -9 "$@"
for p in /proc/[0-9]*; do
    grep -qzx "SLURM_CONF=$conf" "$p/environ" 2>/dev/null && kill -9 "${p#/proc/}"
done
rm -rf "$dir""#;
        Command::new("sh")
            .args(["-c", SCRIPT, "watchdog"])
            .arg(std::process::id().to_string())
            .arg(self.dir.path())
            .arg(&self.conf)
            .args(self.daemons.iter().map(|d| d.child.id().to_string()))
            // Its own process group, so that Ctrl-C in a terminal does not stop it too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("local Slurm: cannot start the watchdog shell: {e}"))
    }

    /// Cancels every job still queued or running, and waits up to 10 s for them to end.
    fn cancel_all(&self) {
        let Ok(out) = self.output_of("squeue", &["-h", "-o", "%A"]) else {
            return;
        };
        let ids: Vec<&str> = out.split_whitespace().collect();
        if ids.is_empty() {
            return;
        }
        let _ = run(self.command("scancel").args(&ids));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.output_of("squeue", &["-h", "-t", "RUNNING,COMPLETING", "-o", "%A"]) {
                Ok(out) if out.trim().is_empty() => return,
                Err(_) => return,
                Ok(_) => sleep(POLL),
            }
        }
    }

    /// Kills (SIGKILL) every process whose environment has this cluster's `SLURM_CONF`: job
    /// steps and job scripts that outlived their daemons.
    fn kill_leftovers(&self) {
        let mut needle = b"SLURM_CONF=".to_vec();
        needle.extend_from_slice(self.conf.as_os_str().as_encoded_bytes());
        let me = std::process::id();
        let Ok(entries) = fs::read_dir("/proc") else {
            return;
        };
        let pids: Vec<u32> = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| pid != me)
            .filter(|pid| {
                fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == needle.as_slice()))
            })
            .collect();
        if !pids.is_empty() {
            signal("KILL", &pids);
        }
    }
}

impl Drop for LocalSlurm {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            // The whole group: the shell and its `sleep`.
            let group = format!("-{}", watchdog.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = watchdog.wait();
        }
        if self.daemons.len() == 3 {
            self.cancel_all();
        }
        // slurmd first, munged last: each daemon may still talk to the ones started before it.
        while let Some(mut daemon) = self.daemons.pop() {
            daemon.stop(Duration::from_secs(10));
        }
        self.kill_leftovers();
    }
}

/// The node's hardware as `slurmd -C` reports it (`CPUs=2 Boards=1 SocketsPerBoard=1 ...`),
/// so that slurmd finds the node it is configured with; memory is left out (not scheduled).
fn node_hardware() -> Result<String, String> {
    let out = run(Command::new(daemon_program("slurmd")).arg("-C"))
        .map_err(|e| format!("local Slurm: slurmd -C failed; is slurmd installed? ({e})"))?;
    let line = out.lines().next().unwrap_or_default();
    let keys = [
        "CPUs",
        "Boards",
        "SocketsPerBoard",
        "CoresPerSocket",
        "ThreadsPerCore",
    ];
    let fields: Vec<&str> = line
        .split_whitespace()
        .filter(|f| {
            keys.iter()
                .any(|k| f.strip_prefix(k).is_some_and(|v| v.starts_with('=')))
        })
        .collect();
    if fields.len() != keys.len() {
        return Err(format!(
            "local Slurm: cannot read the hardware from slurmd -C: {line:?}"
        ));
    }
    Ok(fields.join(" "))
}

/// Where a daemon's program is: on `PATH`, or else in /usr/sbin or /sbin, where Debian puts
/// them and which a non-root `PATH` may lack.
fn daemon_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|program| program.is_file())
        .unwrap_or_else(|| name.into())
}

/// Two TCP ports free right now, for slurmctld and slurmd (held together so they differ).
fn free_ports() -> Result<(u16, u16), String> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("local Slurm: cannot find a free port: {e}"))
    };
    let (a, b) = (bind()?, bind()?);
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok((port(&a)?, port(&b)?))
}

/// The current user's name, which the daemons run as: root, so that jobs may run as anyone;
/// under another user the cluster works too, but runs jobs as that user only.
fn user() -> Result<String, String> {
    let name = run(Command::new("id").arg("-un"))?;
    Ok(name.trim().to_owned())
}

/// The cluster's `slurm.conf`: everything under `dir`, one node, one default partition.
fn slurm_conf(
    dir: &Path,
    hardware: &str,
    (ctld_port, slurmd_port): (u16, u16),
    user: &str,
) -> String {
    let d = dir.display();
    format!(
        "# Generated by cascade's tests: a single-node cluster in {d}.
ClusterName=cascadetest
SlurmctldHost={NODE}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
AuthInfo=socket={d}/munge.socket
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
# Slurm's default scheduler, but jobs start within about a second of being submitted or of
# their dependency ending, not after 3 s (batch_sched_delay), up to 60 s (sched_interval) or
# 30 s (bf_interval).
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Finished jobs stay in `scontrol show job` for an hour.
MinJobAge=3600
ReturnToService=2
NodeName={NODE} NodeHostname={NODE} {hardware} State=UNKNOWN
PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
"
    )
}

/// Runs a command to completion; its stdout, or an error with the command, status and stderr.
fn run(command: &mut Command) -> Result<String, String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{:?} {:?} failed ({}): {}",
            command.get_program(),
            command.get_args().collect::<Vec<_>>(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Sends a signal (`TERM`, `KILL`) to processes with the `kill` command.
fn signal(name: &str, pids: &[u32]) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// `scontrol show ... -o` output as fields: `Key=Value` words, where a word without `=` belongs
/// to the value before it (values may hold spaces).
fn parse_fields(text: &str) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    let mut last: Option<String> = None;
    for word in text.split_whitespace() {
        match word.split_once('=') {
            Some((key, value))
                if !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') =>
            {
                fields.insert(key.to_owned(), value.to_owned());
                last = Some(key.to_owned());
            }
            _ => {
                if let Some(value) = last.as_ref().and_then(|k| fields.get_mut(k)) {
                    value.push(' ');
                    value.push_str(word);
                }
            }
        }
    }
    fields
}

/// The last `n` lines of a file, or why it cannot be read.
fn tail(path: &Path, n: usize) -> String {
    match fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("(cannot read: {e})"),
    }
}
