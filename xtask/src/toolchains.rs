//! Provisioning stays in `scripts/toolchains.sh` (apt, npm and debootstrap are shell work);
//! this module calls it and reads the `KEY=value` lines it prints.

use std::collections::HashMap;

use anyhow::{Context, Result};
use camino::Utf8PathBuf;
use sha2::{Digest, Sha256};

use crate::cmd::Cmd;
use crate::workspace::Workspace;

/// Installs what `what` (`jvm`, `swift` or `browser`) needs, once per run, and returns the
/// paths the script reported.
pub fn provision<'w>(
    ws: &'w mut Workspace,
    what: &'static str,
) -> Result<&'w HashMap<String, String>> {
    if !ws.tools.contains_key(what) {
        let out = Cmd::new("bash")
            .arg(ws.path("scripts/toolchains.sh"))
            .args(["provision", what])
            .stdout()
            .with_context(|| format!("provisioning {what}"))?;
        ws.tools.insert(what, parse_key_values(&out));
    }
    Ok(&ws.tools[what])
}

/// One value `provision` reported.
pub fn tool(tools: &HashMap<String, String>, key: &str) -> Result<Utf8PathBuf> {
    tools
        .get(key)
        .map(Utf8PathBuf::from)
        .with_context(|| format!("scripts/toolchains.sh reported no {key}"))
}

/// `KEY=value` lines; anything else is ignored.
fn parse_key_values(out: &str) -> HashMap<String, String> {
    out.lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Where the repository is mounted inside the Swift chroot: stable per clone, so SwiftPM's
/// scratch directories stay valid from one run to the next, and distinct between clones.
pub fn chroot_mount_point(ws: &Workspace) -> String {
    let digest = Sha256::digest(ws.root.as_str().as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/nyckel/{hex}")
}

/// A command run inside the Swift chroot with the repository mounted at
/// [`chroot_mount_point`], a clean environment plus `env`.
pub fn in_swift_chroot(ws: &Workspace, env: &[(&str, String)], command: &[String]) -> Cmd {
    Cmd::new("bash")
        .arg(ws.path("scripts/toolchains.sh"))
        .arg("in-swift-chroot")
        .arg(&ws.root)
        .arg(chroot_mount_point(ws))
        .args(env.iter().map(|(k, v)| format!("{k}={v}")))
        .args(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_value_lines_only() {
        let tools = parse_key_values("KOTLIN_HOME=/a/b\nnoise\nJNA_JAR=/x=y.jar\nlower=no\n");
        assert_eq!(tools.len(), 2);
        assert_eq!(tools["KOTLIN_HOME"], "/a/b");
        assert_eq!(tools["JNA_JAR"], "/x=y.jar");
    }
}
