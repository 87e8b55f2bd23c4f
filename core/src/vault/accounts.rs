//! Accounts: sealed OTP parameters plus a note, in a user-chosen order.

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use super::activity::ActivityEvent;
use super::error::VaultError;
use super::records::{self, AccountRecord};
use super::store::{now, Vault};
use crate::codes::Code;
use crate::otpauth::{self, OtpKind, OtpParams, Warning};

const TABLE: &str = "accounts";
/// Longest note accepted, in bytes.
pub const MAX_NOTE_LEN: usize = 4096;
/// Longest issuer or name accepted, in bytes.
pub const MAX_LABEL_LEN: usize = 512;

/// An account in the vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Stable id (never reused).
    pub id: i64,
    /// Code parameters, issuer and name.
    pub params: OtpParams,
    /// Free-text note.
    pub note: String,
    /// Sort position (0 first).
    pub position: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// An account added from a URI, with the parser's warnings.
#[derive(Clone, Debug)]
pub struct AddedAccount {
    /// The stored account.
    pub account: Account,
    /// What the parser accepted but wants shown.
    pub warnings: Vec<Warning>,
}

/// Changes to an account's visible fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    /// New issuer.
    pub issuer: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New note.
    pub note: Option<String>,
}

/// What to do when the same secret is already in the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Refuse with [`VaultError::Duplicate`] (the default: scanning a QR twice).
    Reject,
    /// Add it anyway.
    Allow,
}

/// What [`Vault::add_batch`] did with one account.
#[derive(Debug)]
pub enum BatchResult {
    /// Added (only kept if the batch was committed).
    Added(Account),
    /// The same kind and secret is already stored, or came earlier in the batch.
    Duplicate {
        /// The account already there (in a rolled-back batch, an id that is gone again).
        existing_id: i64,
    },
    /// Refused by the vault's checks (too long, bad digits, …).
    Invalid(VaultError),
}

/// An account with its current code.
#[derive(Clone, Debug)]
pub struct AccountCode {
    /// The account, shared with the vault's snapshot of codes (a refresh copies no secret
    /// and no label; the last holder zeroizes the secret).
    pub account: std::sync::Arc<Account>,
    /// Its code now.
    pub code: Code,
}

fn check_fields(p: &OtpParams, note: &str) -> Result<(), VaultError> {
    let bad = |what: &str| Err(VaultError::InvalidInput(what.to_owned()));
    if p.secret.is_empty() {
        return bad("the secret is empty");
    }
    if p.issuer.len() > MAX_LABEL_LEN || p.name.len() > MAX_LABEL_LEN {
        return bad("issuer or name is too long");
    }
    if note.len() > MAX_NOTE_LEN {
        return bad("the note is too long");
    }
    if [&p.issuer, &p.name, note].iter().any(|s| s.contains('\0')) {
        return bad("text must not contain NUL characters");
    }
    if !(1..=10).contains(&p.digits) {
        return bad("digits must be 1–10");
    }
    if p.kind != OtpKind::Hotp && !(1..=86_400).contains(&p.period) {
        return bad("period must be 1–86400 seconds");
    }
    // Every stored account can be exported and imported again (`parse(to_uri(x)) == x`):
    // percent-encoding can make the URI up to three times longer than its fields.
    let uri_len = Zeroizing::new(p.to_uri()).len();
    if uri_len > otpauth::MAX_URI_LEN {
        return Err(VaultError::InvalidInput(format!(
            "the account's otpauth URI would be {uri_len} bytes, more than the {} an otpauth URI may have; \
             shorten the issuer, name or extra parameters",
            otpauth::MAX_URI_LEN
        )));
    }
    Ok(())
}

impl Vault {
    /// Adds the account a scanned or pasted `otpauth://` URI describes.
    pub fn add_uri(
        &mut self,
        uri: &str,
        policy: DuplicatePolicy,
    ) -> Result<AddedAccount, VaultError> {
        let parsed = otpauth::parse(uri)?;
        let account = self.add(parsed.params, "", policy)?;
        Ok(AddedAccount { account, warnings: parsed.warnings })
    }

    /// Adds an account from its fields (manual entry).
    pub fn add(
        &mut self,
        params: OtpParams,
        note: &str,
        policy: DuplicatePolicy,
    ) -> Result<Account, VaultError> {
        self.check_new_account(&params, note)?;
        let tx = self.begin()?;
        // Looked for under the write lock, so two processes adding the same secret at once
        // cannot both find it missing.
        if policy == DuplicatePolicy::Reject {
            if let Some(existing) = self.find_duplicate(&params)? {
                return Err(VaultError::Duplicate { existing_id: existing });
            }
        }
        let account = self.insert_account_in(&tx, params, note, now())?;
        tx.commit()?;
        Ok(account)
    }

    /// Adds several accounts (with notes) in one transaction, for imports. Each is checked
    /// and compared with what is stored and with those before it in the batch; then
    /// `commit` sees every result and decides: `true` commits the added ones together,
    /// `false` rolls the whole batch back (a dry run, or an all-or-nothing import that had
    /// failures). Returns the results and whether they were committed.
    pub fn add_batch(
        &mut self,
        accounts: Vec<(OtpParams, String)>,
        commit: impl FnOnce(&[BatchResult]) -> bool,
    ) -> Result<(Vec<BatchResult>, bool), VaultError> {
        self.key()?;
        let tx = self.begin()?;
        let mut known: Vec<(OtpKind, crate::Secret, i64)> =
            self.accounts()?.into_iter().map(|a| (a.params.kind, a.params.secret, a.id)).collect();
        let at = now();
        let mut results = Vec::with_capacity(accounts.len());
        for (params, note) in accounts {
            if let Err(e) = self.check_new_account(&params, &note) {
                results.push(BatchResult::Invalid(e));
                continue;
            }
            let same = known.iter().find(|(k, s, _)| *k == params.kind && *s == params.secret);
            if let Some((_, _, id)) = same {
                results.push(BatchResult::Duplicate { existing_id: *id });
                continue;
            }
            let account = self.insert_account_in(&tx, params, &note, at)?;
            known.push((account.params.kind, account.params.secret.clone(), account.id));
            results.push(BatchResult::Added(account));
        }
        let keep = commit(&results);
        if keep {
            tx.commit()?;
        } else {
            tx.rollback()?;
        }
        Ok((results, keep))
    }

    /// Validates the fields of an account about to be added. Needs the vault unlocked.
    pub(super) fn check_new_account(
        &self,
        params: &OtpParams,
        note: &str,
    ) -> Result<(), VaultError> {
        self.key()?;
        check_fields(params, note)?;
        // The stored counter is the next code's, and showing a code stores counter + 1: at
        // u64::MAX not a single code could ever be shown.
        if params.kind == OtpKind::Hotp && params.counter == u64::MAX {
            return Err(VaultError::InvalidInput(format!(
                "the HOTP counter must be below {}: no code can be shown at the last value",
                u64::MAX
            )));
        }
        Ok(())
    }

    /// Inserts a checked account and logs it, inside the caller's transaction.
    pub(super) fn insert_account_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        params: OtpParams,
        note: &str,
        at: i64,
    ) -> Result<Account, VaultError> {
        let plain = records::to_json(&AccountRecord::new(&params, note));
        let position: i64 =
            tx.query_row("SELECT COALESCE(MAX(position) + 1, 0) FROM accounts", [], |r| r.get(0))?;
        // The row id is part of the associated data, so insert first, then seal for that id.
        tx.execute(
            "INSERT INTO accounts (position, created_at, updated_at, sealed) VALUES (?1, ?2, ?2, x'')",
            params![position, at],
        )?;
        let id = tx.last_insert_rowid();
        let sealed = self.seal(TABLE, id, &plain)?;
        tx.execute("UPDATE accounts SET sealed = ?1 WHERE id = ?2", params![sealed, id])?;
        let event = ActivityEvent::AccountAdded {
            account_id: id,
            issuer: params.issuer.clone(),
            name: params.name.clone(),
        };
        self.log_in(tx, &event, at)?;
        Ok(Account { id, params, note: note.to_owned(), position, created_at: at, updated_at: at })
    }

    /// All accounts in their sort order. Served from the snapshot `codes_at` keeps (read
    /// again whenever the file changed), so listing and showing codes read the file once.
    pub fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        self.snapshot_accounts()
    }

    /// The accounts `keep` is true for, in their sort order; like [`Vault::accounts`], but
    /// only those are copied out of the snapshot (`nyckel code` lists the HOTP accounts of a
    /// vault of TOTP ones).
    pub fn accounts_where(
        &self,
        keep: impl Fn(&Account) -> bool,
    ) -> Result<Vec<Account>, VaultError> {
        self.snapshot_accounts_where(keep)
    }

    /// All accounts in their sort order, read and decrypted from the file.
    pub(super) fn read_accounts(&self) -> Result<Vec<Account>, VaultError> {
        // One AES key schedule for every record (a stack value: see `opening_key`).
        let aead = self.key()?.opening_key();
        #[cfg(test)]
        self.snapshot.count_read();
        let mut st = self.conn.prepare("SELECT id, position, created_at, updated_at, sealed FROM accounts ORDER BY position, id")?;
        let rows = st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, Vec<u8>>(4)?))
        })?;
        rows.map(|row| {
            let (id, position, created_at, updated_at, sealed) = row?;
            self.decode(&aead, id, position, created_at, updated_at, &sealed)
        })
        .collect()
    }

    /// One account.
    pub fn account(&self, id: i64) -> Result<Account, VaultError> {
        self.key()?;
        let row = self
            .conn
            .query_row(
                "SELECT position, created_at, updated_at, sealed FROM accounts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Vec<u8>>(3)?)),
            )
            .optional()?
            .ok_or(VaultError::NotFound(id))?;
        self.decode(&self.key()?.opening_key(), id, row.0, row.1, row.2, &row.3)
    }

    fn decode(
        &self,
        aead: &ring::aead::LessSafeKey,
        id: i64,
        position: i64,
        created_at: i64,
        updated_at: i64,
        sealed: &[u8],
    ) -> Result<Account, VaultError> {
        let plain = self.open_sealed_with(aead, TABLE, id, sealed)?;
        let record: AccountRecord = serde_json::from_slice(&plain)
            .map_err(|_| VaultError::Corrupt(format!("account {id} has an unreadable record")))?;
        let (params, note) = record
            .into_params()
            .ok_or_else(|| VaultError::Corrupt(format!("account {id} has an unreadable secret")))?;
        Ok(Account { id, params, note, position, created_at, updated_at })
    }

    pub(super) fn find_duplicate(&self, params: &OtpParams) -> Result<Option<i64>, VaultError> {
        Ok(self
            .accounts()?
            .into_iter()
            .find(|a| a.params.kind == params.kind && a.params.secret == params.secret)
            .map(|a| a.id))
    }

    /// Changes issuer, name and/or note.
    pub fn update(&mut self, id: i64, edit: AccountEdit) -> Result<Account, VaultError> {
        self.modify(id, |account| {
            if let Some(issuer) = edit.issuer {
                account.params.issuer = issuer.trim().to_owned();
            }
            if let Some(name) = edit.name {
                account.params.name = name.trim().to_owned();
            }
            if let Some(note) = edit.note {
                account.note = note;
            }
            check_fields(&account.params, &account.note)?;
            Ok(Some(ActivityEvent::AccountEdited {
                account_id: id,
                issuer: account.params.issuer.clone(),
                name: account.params.name.clone(),
            }))
        })
    }

    /// Reads account `id`, lets `change` alter it, re-seals it and bumps `updated_at`, logging
    /// the event `change` returns, all in one IMMEDIATE transaction: the read happens under
    /// the write lock, so another process's change (another `nyckel code` advancing the same
    /// HOTP counter) cannot slip in between and be overwritten. An error from `change` saves
    /// nothing.
    fn modify(
        &mut self,
        id: i64,
        change: impl FnOnce(&mut Account) -> Result<Option<ActivityEvent>, VaultError>,
    ) -> Result<Account, VaultError> {
        self.key()?;
        let tx = self.begin()?;
        let mut account = self.account(id)?;
        let event = change(&mut account)?;
        let plain = records::to_json(&AccountRecord::new(&account.params, &account.note));
        let sealed = self.seal(TABLE, id, &plain)?;
        let at = now();
        tx.execute(
            "UPDATE accounts SET sealed = ?1, updated_at = ?2 WHERE id = ?3",
            params![sealed, at, id],
        )?;
        if let Some(event) = event {
            self.log_in(&tx, &event, at)?;
        }
        tx.commit()?;
        account.updated_at = at;
        Ok(account)
    }

    /// Sets the order: `ids` must list every account exactly once.
    pub fn reorder(&mut self, ids: &[i64]) -> Result<(), VaultError> {
        self.key()?;
        // The list is checked against the accounts under the write lock, so an account
        // another process adds or deletes meanwhile is not silently left out.
        let tx = self.begin()?;
        let mut current: Vec<i64> = {
            let mut st = tx.prepare("SELECT id FROM accounts")?;
            let ids = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
            ids
        };
        let mut wanted = ids.to_vec();
        current.sort_unstable();
        wanted.sort_unstable();
        if current != wanted {
            return Err(VaultError::InvalidInput(
                "reorder must list every account exactly once".into(),
            ));
        }
        for (position, id) in ids.iter().enumerate() {
            tx.execute(
                "UPDATE accounts SET position = ?1 WHERE id = ?2",
                params![position as i64, id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes an account (its sealed row is overwritten: `secure_delete` is on).
    pub fn delete(&mut self, id: i64) -> Result<(), VaultError> {
        self.key()?;
        let tx = self.begin()?;
        let account = self.account(id)?;
        tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        let event = ActivityEvent::AccountRemoved {
            account_id: id,
            issuer: account.params.issuer,
            name: account.params.name,
        };
        self.log_in(&tx, &event, now())?;
        tx.commit()?;
        Ok(())
    }

    /// Every TOTP and Steam account with its code at `unix_time`, in sort order, in one call.
    /// HOTP accounts are left out: showing their code advances the counter.
    ///
    /// Served from a snapshot of the decrypted accounts with their keys prepared, read
    /// again whenever the file changed and wiped on lock (see `snapshot.rs`).
    pub fn codes_at(&self, unix_time: u64) -> Result<Vec<AccountCode>, VaultError> {
        self.snapshot_codes_at(unix_time)
    }

    /// The current code of one account. For HOTP this is [`Vault::next_hotp`].
    pub fn code(&mut self, id: i64, unix_time: u64) -> Result<Code, VaultError> {
        let account = self.account(id)?;
        match account.params.kind {
            OtpKind::Hotp => self.next_hotp(id),
            _ => Ok(account.params.code_at(unix_time)?),
        }
    }

    /// The next HOTP code. The incremented counter is committed (synchronous=FULL) before
    /// the code is returned, so a code is never shown twice, even after a crash.
    pub fn next_hotp(&mut self, id: i64) -> Result<Code, VaultError> {
        let mut code = None;
        self.modify(id, |account| {
            if account.params.kind != OtpKind::Hotp {
                return Err(VaultError::InvalidInput(format!(
                    "account {id} is not a HOTP account"
                )));
            }
            code = Some(account.params.code_at(0)?);
            account.params.counter =
                account.params.counter.checked_add(1).ok_or(VaultError::CounterExhausted)?;
            Ok(None)
        })?;
        Ok(code.expect("set by modify's closure"))
    }

    /// The account's canonical `otpauth://` URI (it carries the secret): for showing its QR
    /// code or moving it to another app. Logged as an export (not from a read-only vault,
    /// which cannot log: [`Vault::is_read_only`]).
    pub fn export_uri(&mut self, id: i64, via: &str) -> Result<String, VaultError> {
        let account = self.account(id)?;
        let uri = account.params.to_uri();
        // A vault that cannot be written cannot log either; the caller says so.
        if self.is_read_only() {
            return Ok(uri);
        }
        let event = ActivityEvent::Exported { account_ids: vec![id], format: via.to_owned() };
        let tx = self.begin()?;
        self.log_in(&tx, &event, now())?;
        tx.commit()?;
        Ok(uri)
    }
}
