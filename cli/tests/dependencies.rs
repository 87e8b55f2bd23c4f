//! The authenticator does not link the identity provider: without the `demo` feature,
//! `nyckel-cli`'s normal dependencies hold no web server or async runtime.

use std::process::Command;

/// Crates that only a server (the provider, behind `--features demo`) needs.
const SERVER_CRATES: &[&str] = &["nyckel-idp", "axum", "hyper", "tokio", "tower"];

/// The names of the packages in `cargo tree -p nyckel-cli -e normal` with `features`.
fn normal_dependencies(features: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-p", "nyckel-cli", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().expect("run cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn without_the_demo_feature_no_server_crates_are_linked() {
    let deps = normal_dependencies(&[]);
    assert!(deps.iter().any(|d| d == "nyckel-core"), "the tree was read: {deps:?}");
    assert!(deps.iter().any(|d| d == "nyckel-http"), "the tree was read: {deps:?}");
    let server: Vec<&String> =
        deps.iter().filter(|d| SERVER_CRATES.contains(&d.as_str())).collect();
    assert!(server.is_empty(), "nyckel-cli links server crates without `demo`: {server:?}");
}

#[test]
fn the_demo_feature_brings_the_provider() {
    // The check above can fail: with the feature, the same query finds the provider.
    let deps = normal_dependencies(&["demo"]);
    for name in ["nyckel-idp", "axum", "tokio"] {
        assert!(deps.iter().any(|d| d == name), "{name} with --features demo: {deps:?}");
    }
}
