//! The suite's result: `target/bench/summary.json` and the same as a table.
//!
//! Every metric is `{"value", "unit", "baseline": {"name", "value"}, "ratio"}` with
//! ratio = value / baseline value, both measured in the same run on the same data; a metric
//! that could not be measured is `{"missing": "why"}`, never a made-up number.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

/// Metric names, in the order the summary lists them.
pub const METRICS: [&str; 11] = [
    "codes.batch",
    "codes.single",
    "vault.open_all_codes",
    "unlock.kdf",
    "cli.code_json",
    "otpauth.parse",
    "approval.process",
    "idp.throughput",
    "idp.p99",
    "lib.size",
    "ffi.batch_codes",
];

/// A measured number with its unit.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The number.
    pub value: f64,
    /// Its unit ("ns/code", "ms", "bytes", ...); the baseline's is the same.
    pub unit: &'static str,
}

/// Another contender measured alongside the baseline, for context (not the ratio's anchor).
#[derive(Clone, Debug)]
pub struct Peer {
    /// What it is.
    pub name: String,
    /// Its value, in the metric's unit.
    pub value: f64,
}

/// One metric's result.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Measured against its baseline.
    Measured {
        /// Nyckel's number.
        ours: Measured,
        /// The anchor's name.
        baseline_name: String,
        /// The anchor's number, same unit.
        baseline: f64,
        /// The ratio the target is about must stay at or below this.
        target: Option<f64>,
        /// Other contenders, for context.
        peers: Vec<Peer>,
        /// Extra facts (peak memory, sample counts), shown in the JSON.
        notes: Map<String, Value>,
    },
    /// Not measured, and why.
    Missing(String),
}

impl Outcome {
    /// A measured metric with no peers or notes.
    pub fn measured(
        value: f64,
        unit: &'static str,
        baseline_name: &str,
        baseline: f64,
        target: Option<f64>,
    ) -> Self {
        Outcome::Measured {
            ours: Measured { value, unit },
            baseline_name: baseline_name.to_owned(),
            baseline,
            target,
            peers: Vec::new(),
            notes: Map::new(),
        }
    }

    /// Adds a peer (builder style).
    pub fn with_peer(mut self, name: &str, value: f64) -> Self {
        if let Outcome::Measured { peers, .. } = &mut self {
            peers.push(Peer { name: name.to_owned(), value });
        }
        self
    }

    /// Adds a note (builder style).
    pub fn with_note(mut self, key: &str, value: Value) -> Self {
        if let Outcome::Measured { notes, .. } = &mut self {
            notes.insert(key.to_owned(), value);
        }
        self
    }

    fn to_json(&self) -> Value {
        match self {
            Outcome::Missing(why) => json!({ "missing": why }),
            Outcome::Measured { ours, baseline_name, baseline, target, peers, notes } => {
                let mut m = Map::new();
                m.insert("value".into(), json!(round(ours.value)));
                m.insert("unit".into(), json!(ours.unit));
                m.insert(
                    "baseline".into(),
                    json!({ "name": baseline_name, "value": round(*baseline) }),
                );
                m.insert("ratio".into(), json!(round(ours.value / baseline)));
                if let Some(t) = target {
                    m.insert("target_ratio".into(), json!(t));
                    m.insert("target_met".into(), json!(ours.value / baseline <= *t));
                }
                if !peers.is_empty() {
                    let peers: Vec<Value> = peers
                        .iter()
                        .map(|p| {
                            json!({ "name": p.name, "value": round(p.value),
                                    "ratio": round(ours.value / p.value) })
                        })
                        .collect();
                    m.insert("peers".into(), Value::Array(peers));
                }
                for (k, v) in notes {
                    m.insert(k.clone(), v.clone());
                }
                Value::Object(m)
            }
        }
    }
}

/// Four significant decimals are plenty and keep the file readable.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 3 - x.abs().log10().floor() as i32;
    let f = 10f64.powi(digits.max(0));
    (x * f).round() / f
}

/// All metrics, in [`METRICS`] order.
pub struct Summary {
    results: Vec<(&'static str, Outcome)>,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary { results: Vec::new() }
    }

    /// Records `name`'s outcome.
    pub fn set(&mut self, name: &'static str, outcome: Outcome) {
        self.results.retain(|(n, _)| *n != name);
        self.results.push((name, outcome));
    }

    /// The JSON document: every metric of [`METRICS`], the unmeasured ones as missing.
    pub fn to_json(&self) -> Value {
        let mut metrics = Map::new();
        for name in METRICS {
            let outcome = self
                .results
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, o)| o.clone())
                .unwrap_or_else(|| Outcome::Missing("not run (excluded with --only)".into()));
            metrics.insert(name.to_owned(), outcome.to_json());
        }
        Value::Object(metrics)
    }

    /// The same as a plain-text table.
    pub fn to_table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{:<21} {:>13} {:<9} {:>13}  {:<44} {:>8} {:>7}",
            "metric", "value", "unit", "baseline", "baseline name", "ratio", "target"
        );
        for (name, v) in self.to_json().as_object().expect("object") {
            if let Some(why) = v.get("missing") {
                let _ = writeln!(t, "{name:<21} missing: {}", why.as_str().unwrap_or(""));
                continue;
            }
            let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
            let target = match v.get("target_ratio") {
                Some(x) => {
                    let met = v["target_met"].as_bool() == Some(true);
                    format!("{}{}", if met { "<=" } else { "!>" }, num(x))
                }
                None => "-".into(),
            };
            let _ = writeln!(
                t,
                "{name:<21} {:>13} {:<9} {:>13}  {:<44} {:>8} {:>7}",
                num(&v["value"]),
                v["unit"].as_str().unwrap_or(""),
                num(&v["baseline"]["value"]),
                v["baseline"]["name"].as_str().unwrap_or(""),
                num(&v["ratio"]),
                target
            );
            for p in v.get("peers").and_then(Value::as_array).into_iter().flatten() {
                let _ = writeln!(
                    t,
                    "{:<21} {:>13} {:<9} {:>13}  {:<44} {:>8}",
                    "",
                    "",
                    "",
                    num(&p["value"]),
                    format!("peer: {}", p["name"].as_str().unwrap_or("")),
                    num(&p["ratio"])
                );
            }
        }
        t
    }

    /// Writes `summary.json` and `summary.txt` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(&self.to_json()).expect("JSON serialises");
        std::fs::write(dir.join("summary.json"), json + "\n")?;
        std::fs::write(dir.join("summary.txt"), self.to_table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_value_over_baseline_and_missing_metrics_are_listed() {
        let mut s = Summary::new();
        s.set("codes.single", Outcome::measured(150.0, "ns/code", "floor", 100.0, Some(1.5)));
        s.set("lib.size", Outcome::Missing("no toolchain".into()));
        let j = s.to_json();
        assert_eq!(j["codes.single"]["ratio"], json!(1.5));
        assert_eq!(j["codes.single"]["target_met"], json!(true));
        assert_eq!(j["codes.single"]["baseline"]["name"], json!("floor"));
        assert_eq!(j["lib.size"]["missing"], json!("no toolchain"));
        assert!(j["idp.p99"]["missing"].is_string());
        assert_eq!(j.as_object().unwrap().len(), METRICS.len());
        assert!(s.to_table().contains("codes.single"));
    }

    #[test]
    fn rounding_keeps_significant_digits() {
        assert_eq!(round(123456.789), 123456.789_f64.round());
        assert_eq!(round(0.000123456), 0.0001235);
    }
}
