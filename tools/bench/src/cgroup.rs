//! A function's Lambda-sized box: a cgroup (v1) in the cpu and memory hierarchies, under
//! `idgraph-bench/`. The memory limit is MemorySize from the start; the CPU is unlimited until
//! `throttle`, which the emulator calls on the function's first `GET …/invocation/next` (Lambda's
//! init runs at full speed), and then MemorySize/1769 of one CPU per CFS period.

use std::path::{Path, PathBuf};

use crate::scenarios::BenchError;

const CPU_ROOT: &str = "/sys/fs/cgroup/cpu/idgraph-bench";
const MEMORY_ROOT: &str = "/sys/fs/cgroup/memory/idgraph-bench";
/// Lambda gives one vCPU's worth of CPU time at 1,769 MB, in proportion below it.
pub const MB_PER_VCPU: u64 = 1769;

#[derive(Debug)]
pub struct Cgroup {
    cpu: PathBuf,
    memory: PathBuf,
    quota_us: u64,
}

fn write(dir: &Path, file: &str, value: impl ToString) -> Result<(), BenchError> {
    let path = dir.join(file);
    std::fs::write(&path, value.to_string())
        .map_err(|e| format!("writing {}: {e}", path.display()).into())
}

impl Cgroup {
    /// Creates the pair for one process: `memory_mb` of memory, and (once throttled)
    /// `period_us * memory_mb / 1769` µs of CPU per `period_us`.
    pub fn create(id: &str, memory_mb: u64, period_us: u64) -> Result<Self, BenchError> {
        let cpu = Path::new(CPU_ROOT).join(id);
        let memory = Path::new(MEMORY_ROOT).join(id);
        for dir in [&cpu, &memory] {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("creating the cgroup {}: {e}", dir.display()))?;
        }
        write(&cpu, "cpu.cfs_period_us", period_us)?;
        write(&cpu, "cpu.cfs_quota_us", -1)?;
        // Pages the process touched before it joined would move with it, but kernel 6.x refuses
        // this deprecated v1 knob (EINVAL): those few microseconds of the new process (the
        // loader's first pages) stay charged to the parent.
        let _ = write(&memory, "memory.move_charge_at_immigrate", 3);
        write(&memory, "memory.limit_in_bytes", memory_mb * 1024 * 1024)?;
        let quota_us = period_us * memory_mb / MB_PER_VCPU;
        if quota_us < 1000 {
            return Err(format!(
                "a {period_us} µs period gives {memory_mb} MB a quota of {quota_us} µs, below the \
                 kernel's 1 ms minimum: use a longer period"
            )
            .into());
        }
        Ok(Self {
            cpu,
            memory,
            quota_us,
        })
    }

    /// Moves process `pid` (all its threads) into both.
    pub fn join(&self, pid: u32) -> Result<(), BenchError> {
        write(&self.cpu, "cgroup.procs", pid)?;
        write(&self.memory, "cgroup.procs", pid)
    }

    /// From now on, the CPU share of MemorySize.
    pub fn throttle(&self) -> Result<(), BenchError> {
        write(&self.cpu, "cpu.cfs_quota_us", self.quota_us)
    }

    /// How long, in total, the process has been throttled so far: the time its quota cost it
    /// (cpu.stat's throttled_time, in ms). CFS bandwidth control slows a process only by
    /// throttling it, so this is the latency its MemorySize added, apart from the noise of
    /// everything else.
    pub fn throttled_ms(&self) -> f64 {
        std::fs::read_to_string(self.cpu.join("cpu.stat"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("throttled_time "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(f64::NAN, |ns| ns as f64 / 1e6)
    }

    /// Removes both; the process must have exited (and been waited for).
    pub fn remove(&self) {
        for dir in [&self.cpu, &self.memory] {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Removes what an interrupted run left: the empty cgroups under `idgraph-bench/`, and the
/// parents themselves when `all`.
pub fn sweep(all: bool) {
    for root in [CPU_ROOT, MEMORY_ROOT] {
        if let Ok(entries) = std::fs::read_dir(root) {
            for entry in entries.flatten() {
                if entry.path().is_dir() {
                    let _ = std::fs::remove_dir(entry.path());
                }
            }
        }
        if all {
            let _ = std::fs::remove_dir(root);
        }
    }
}
