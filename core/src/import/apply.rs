//! Adding what was read to the vault: one transaction, a result for every entry.

use super::{Format, ImportError, Parsed};
use crate::otpauth::Warning;
use crate::vault::{BatchResult, Vault};

/// How to apply an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Work out every outcome but change nothing.
    pub dry_run: bool,
    /// Add the good entries even when others failed (otherwise one failure adds nothing).
    pub keep_good: bool,
}

/// What happened to one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Added (or, in a dry run or a rolled-back import, would have been added).
    Imported {
        /// The new account's id; `None` when nothing was committed.
        account_id: Option<i64>,
    },
    /// The vault already holds this account (same type and secret); left alone.
    Duplicate {
        /// The account already there.
        existing_id: i64,
    },
    /// Not imported, and why.
    Failed {
        /// One line, never the secret.
        reason: String,
    },
}

/// One entry's result.
#[derive(Clone, Debug)]
pub struct EntryOutcome {
    /// 1-based position in the file.
    pub position: usize,
    /// "Issuer (name)" or "entry N".
    pub label: String,
    /// What happened.
    pub outcome: Outcome,
    /// Parser warnings for this entry.
    pub warnings: Vec<Warning>,
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// The format read.
    pub format: Format,
    /// Every entry, in the order of [`super::Parsed::entries`].
    pub entries: Vec<EntryOutcome>,
    /// True when the vault was changed (not a dry run, and either nothing failed or
    /// `keep_good` was asked for).
    pub committed: bool,
    /// Things passed over on purpose (see [`Parsed::notes`]).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// Entries added (0 when nothing was committed, except in a dry run where it counts
    /// what would be added).
    pub fn imported(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Imported { account_id: Some(_) }))
    }

    /// Entries that would be added (dry run, or rolled back because of failures).
    pub fn would_import(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Imported { .. }))
    }

    /// Entries already in the vault.
    pub fn duplicates(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Duplicate { .. }))
    }

    /// The failed entries.
    pub fn failed(&self) -> impl Iterator<Item = (&EntryOutcome, &str)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            Outcome::Failed { reason } => Some((e, reason.as_str())),
            _ => None,
        })
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.entries.iter().filter(|e| f(&e.outcome)).count()
    }
}

/// Adds the parsed entries to `vault` in one transaction (see [`ImportOptions`]). Entries
/// that already failed to read are reported as failed; the vault's own checks can fail
/// more. Nothing is committed in a dry run, nor when anything failed without `keep_good`.
pub fn apply(
    vault: &mut Vault,
    parsed: Parsed,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let mut outcomes: Vec<EntryOutcome> = Vec::with_capacity(parsed.entries.len());
    let mut batch = Vec::new();
    let mut batch_slots = Vec::new();
    for entry in parsed.entries {
        let (outcome, warnings) = match entry.result {
            Ok(c) => {
                batch_slots.push(outcomes.len());
                batch.push((c.params, c.note));
                (Outcome::Imported { account_id: None }, c.warnings)
            }
            Err(reason) => (Outcome::Failed { reason }, Vec::new()),
        };
        outcomes.push(EntryOutcome {
            position: entry.position,
            label: entry.label,
            outcome,
            warnings,
        });
    }
    let read_failures = outcomes.iter().any(|o| matches!(o.outcome, Outcome::Failed { .. }));
    let (results, committed) = vault.add_batch(batch, |results| {
        let vault_failures = results.iter().any(|r| matches!(r, BatchResult::Invalid(_)));
        !options.dry_run && (options.keep_good || !(read_failures || vault_failures))
    })?;
    for (slot, result) in batch_slots.into_iter().zip(results) {
        outcomes[slot].outcome = match result {
            BatchResult::Added(a) => Outcome::Imported { account_id: committed.then_some(a.id) },
            BatchResult::Duplicate { existing_id } => Outcome::Duplicate { existing_id },
            BatchResult::Invalid(e) => Outcome::Failed { reason: e.to_string() },
        };
    }
    Ok(ImportReport { format: parsed.format, entries: outcomes, committed, notes: parsed.notes })
}
