//! `nyckel inspect URI`: what a URI holds, and its code, without a vault.

use nyckel_core::otpauth;
use nyckel_core::OtpKind;

use super::arg_or_stdin;
use crate::cli::InspectArgs;
use crate::error::Result;
use crate::output::{self, group_code, or_dash, InspectJson, Term};
use crate::watch::now;

/// Parses the URI and prints its fields, secret and code at `--at`.
pub fn run(term: &Term, args: &InspectArgs) -> Result<()> {
    let uri = arg_or_stdin(&args.uri, "URI")?;
    let parsed = otpauth::parse(&uri)?;
    let at = args.at.unwrap_or_else(now);
    let code = parsed.params.code_at(at)?;
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    let view = InspectJson::new(&parsed.params, &code, warnings);
    if args.json.json {
        return output::print_json(&view);
    }
    let p = &parsed.params;
    let mut rows = vec![
        vec!["Type".to_owned(), output::kind_summary(p)],
        vec!["Issuer".into(), term.bold(&or_dash(&p.issuer))],
        vec!["Name".into(), or_dash(&p.name)],
        vec!["Algorithm".into(), view.params.algorithm.into()],
        vec!["Digits".into(), view.params.digits.to_string()],
    ];
    match p.kind {
        OtpKind::Hotp => rows.push(vec!["Counter".into(), p.counter.to_string()]),
        _ => rows.push(vec!["Period".into(), format!("{} s", p.period)]),
    }
    rows.push(vec!["Secret".into(), view.secret.clone()]);
    let when = match code.seconds_left {
        Some(left) => format!("{left} s left"),
        None => format!("at counter {}", p.counter),
    };
    rows.push(vec![
        "Code".into(),
        format!("{}  {}", term.bold(&group_code(&code.value)), term.dim(&when)),
    ]);
    for w in &view.warnings {
        rows.push(vec![term.yellow("Warning"), output::clean(w)]);
    }
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r[0] = term.dim(&r[0]);
            r
        })
        .collect();
    output::print(&output::table(&rows))
}
