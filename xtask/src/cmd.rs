//! Running tools: each command is echoed, inherits stdout/stderr (so its own output stays
//! visible), never reads stdin (CI has none) and runs in a UTF-8 locale.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// A command to run, with a printable form for logs and errors.
pub struct Cmd {
    command: Command,
    shown: String,
}

impl Cmd {
    /// `program` with no arguments yet.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let mut command = Command::new(program.as_ref());
        command.stdin(Stdio::null());
        // Tests pass å ä ö between processes (the JVM encodes a child's arguments in the
        // locale's charset); a bare POSIX locale, as in CI without LANG, would mangle them.
        command.env("LC_ALL", "C.UTF-8");
        Cmd { command, shown: program.as_ref().to_string_lossy().into_owned() }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(' ');
        self.shown.push_str(&arg.as_ref().to_string_lossy());
        self.command.arg(arg);
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    /// Sets an environment variable for the command.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Runs in `dir`.
    pub fn dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Runs to completion; `Ok(false)` when it exited non-zero or was killed.
    pub fn status(mut self) -> Result<bool> {
        eprintln!("$ {}", self.shown);
        let status = self.command.status().with_context(|| format!("cannot run {}", self.shown))?;
        Ok(status.success())
    }

    /// Runs to completion and fails unless it succeeded.
    pub fn run(self) -> Result<()> {
        let shown = self.shown.clone();
        if !self.status()? {
            bail!("`{shown}` failed");
        }
        Ok(())
    }

    /// Runs to completion and returns its stdout (stderr stays on the terminal); fails unless
    /// it succeeded.
    pub fn stdout(mut self) -> Result<String> {
        eprintln!("$ {}", self.shown);
        let output = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot run {}", self.shown))?;
        if !output.status.success() {
            bail!("`{}` failed ({})", self.shown, output.status);
        }
        String::from_utf8(output.stdout)
            .with_context(|| format!("{}: stdout is not UTF-8", self.shown))
    }
}
