//! The crate's module graph, checked: handlers → domain → storage, each layer using only
//! itself, the layers below and the shared leaves; no cycles; no HTTP in the domain.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and its layer (higher calls lower).
const LAYERS: &[(&str, u8)] = &[
    ("lib", 4),
    ("main", 4),
    ("handle", 4),
    ("server", 3),
    ("base_path", 3),
    ("connections", 3),
    ("web", 3),
    ("code_web", 3),
    ("account_web", 3),
    ("step_up_web", 3),
    ("code_html", 3),
    ("oidc_web", 3),
    ("eam_web", 3),
    ("lang_web", 3),
    ("state", 3),
    ("signin", 2),
    ("otp", 2),
    ("devices", 2),
    ("decoys", 2),
    ("phone_challenge", 2),
    ("guessing", 2),
    ("lost", 2),
    ("removal", 2),
    ("retention", 2),
    ("step_up", 2),
    ("push_budget", 2),
    ("open_requests", 2),
    ("known_browser", 2),
    ("admin", 2),
    ("argon_memory", 0),
    ("identity", 2),
    ("verify", 2),
    ("oidc", 2),
    ("eam", 2),
    ("storage", 1),
    ("model", 0),
    ("oidc_model", 0),
    ("eam_model", 0),
    ("error", 0),
    ("attestation", 0),
    ("config", 0),
    ("ids", 0),
    ("html", 0),
    ("i18n", 0),
    ("qr", 0),
    ("user_name", 0),
];

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module `{module}` has no layer in layers.rs"))
}

/// Top-level module → the top-level modules its files name with `crate::`.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("layers.rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
            let module = first.trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let used = graph.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    used.insert(name);
                }
            }
            // `use crate::{a, b}` is not used in this crate; keep it that way for the check.
            assert!(!text.contains("crate::{"), "{}: name modules one per path", rel.display());
        }
    }
    graph
}

#[test]
fn each_module_uses_only_its_layer_and_those_below() {
    let graph = uses();
    assert!(graph.len() > 15, "found the modules");
    for (module, used) in &graph {
        for target in used {
            assert!(
                layer(target) <= layer(module),
                "`{module}` (layer {}) uses `{target}` (layer {})",
                layer(module),
                layer(target)
            );
        }
    }
}

#[test]
fn modules_form_no_cycle() {
    let graph = uses();
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        assert!(!path.iter().any(|p| p == m), "import cycle: {path:?} → {m}");
        path.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(m.to_owned());
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_domain_and_storage_know_no_http() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for &(module, l) in LAYERS {
        if l > 2 {
            continue;
        }
        let file = src.join(format!("{module}.rs"));
        let mut texts = vec![];
        if file.exists() {
            texts.push(std::fs::read_to_string(&file).unwrap());
        }
        let dir = src.join(module);
        if dir.is_dir() {
            let mut stack = vec![dir];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "rs") {
                        texts.push(std::fs::read_to_string(p).unwrap());
                    }
                }
            }
        }
        assert!(!texts.is_empty(), "found {module}");
        for t in texts {
            assert!(!t.contains("axum") && !t.contains("tokio"), "{module} uses HTTP types");
        }
    }
}
