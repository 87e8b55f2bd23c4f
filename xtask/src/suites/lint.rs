//! The house rules the tools enforce: a formatted tree (rustfmt.toml) and no clippy warning.

use anyhow::Result;

use crate::report::Counts;
use crate::workspace::Workspace;

/// `cargo fmt --all --check` and `cargo clippy --workspace --all-targets -- -D warnings`,
/// each counted as one check.
pub fn run(ws: &mut Workspace) -> Result<Counts> {
    let mut counts = Counts::default();
    let checks = [
        ("cargo fmt --check", ws.cargo().args(["fmt", "--all", "--check"])),
        (
            "cargo clippy -D warnings",
            ws.cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        ),
    ];
    for (name, check) in checks {
        if check.status()? {
            counts.passed += 1;
        } else {
            println!("{name} failed");
            counts.failed += 1;
        }
    }
    Ok(counts)
}
