//! Process hardening: an unlocked vault's key and secrets live in this process's memory,
//! so the process must not leave a core dump behind (a crash would write them to disk,
//! where `systemd-coredump`, `apport` or a plain `core` file keeps them), and on Linux
//! other processes of the same user must not read its memory through ptrace or
//! `/proc/PID/mem`.

/// Disables core dumps for this process: `RLIMIT_CORE` 0 (soft and hard, so it cannot be
/// raised again) and, on Linux, `PR_SET_DUMPABLE` 0 (which also stops core-dump pipes that
/// ignore the limit, and ptrace attachment by the same user). Called by `main` before
/// anything else, so before any vault may be opened.
pub fn disable_core_dumps() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) })?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn after_hardening_the_process_is_not_dumpable_and_cannot_raise_its_core_limit() {
        use rustix::process::{
            dumpable_behavior, getrlimit, setrlimit, DumpableBehavior, Resource, Rlimit,
        };
        disable_core_dumps().unwrap();
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        let limit = getrlimit(Resource::Core);
        assert_eq!((limit.current, limit.maximum), (Some(0), Some(0)));
        // The hard limit is 0 too, so nothing in the process can turn dumps back on
        // (raising a hard limit needs CAP_SYS_RESOURCE, which tests as root have).
        if !rustix::process::geteuid().is_root() {
            assert!(
                setrlimit(Resource::Core, Rlimit { current: Some(1), maximum: Some(1) }).is_err()
            );
        }
        // Idempotent.
        disable_core_dumps().unwrap();
    }
}
