//! Test-only: writes made by a concurrent writer while it holds SQLite's write lock
//! (feature `testing`; see `Provider::while_write_locked`).

use std::time::Duration;

use rusqlite::{params, Connection, TransactionBehavior};

use super::pool::Pool;
use crate::model::{CredentialId, DeviceId};
use crate::storage::{LockedWrites, Stored};

/// How long the other thread gets to do its reads and reach the lock.
const SETTLE: Duration = Duration::from_millis(800);

/// Writes inside the held transaction; a failure fails the test.
struct Locked<'a> {
    conn: &'a Connection,
    now: i64,
}

impl LockedWrites for Locked<'_> {
    fn revoke_device(&self, device_id: &str) {
        super::devices::revoke_rows(self.conn, &DeviceId::new(device_id), self.now)
            .expect("revoke the device inside the held lock");
    }

    fn revoke_credential(&self, credential_id: &str) {
        self.conn
            .execute(
                "UPDATE credentials SET revoked_at = ?2 WHERE id = ?1",
                params![CredentialId::new(credential_id), self.now],
            )
            .expect("revoke the credential inside the held lock");
    }
}

pub(super) fn hold_write_lock(
    pool: &Pool,
    during: &mut (dyn FnMut() + Send),
    change: &mut dyn FnMut(&dyn LockedWrites),
) -> Stored<()> {
    let mut conn = pool.conn()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    std::thread::scope(|s| {
        let other = s.spawn(during);
        std::thread::sleep(SETTLE);
        change(&Locked { conn: &tx, now: 1 });
        let committed = tx.commit();
        other.join().expect("the thread waiting for the lock");
        committed
    })?;
    Ok(())
}
