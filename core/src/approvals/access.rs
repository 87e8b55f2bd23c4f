//! How the approval flows reach the vault: [`VaultAccess`], taken only around vault reads
//! and writes, never across a network call or a device-key callback.

use std::cell::RefCell;
use std::sync::Mutex;

use zeroize::Zeroizing;

use super::ApprovalError;
use crate::vault::{KeyProtector, ProtectorError, UnwrappedKey, Vault, VaultError};

/// Exclusive access to an open vault for the duration of one closure.
///
/// [`Approvals`](super::Approvals) calls it only around reads and writes of the vault; the
/// closures it passes never call the transport, the device-key store or any other foreign
/// code. So an implementation backed by a mutex is never held while a request is on the
/// network or a biometric prompt is showing, and those callbacks may use the vault (or
/// another [`Approvals`](super::Approvals) over it) themselves.
pub trait VaultAccess {
    /// Runs `f` on the vault. [`ApprovalError::Closed`] when there is no open vault.
    fn with_vault<R>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<R, VaultError>,
    ) -> Result<R, ApprovalError>;

    /// Unlocks with the platform key store. The protector (a biometric prompt) runs with no
    /// access held, so it may block and may use the vault itself; a key that does not fit
    /// the vault is `KeyInvalidated`.
    fn unlock_with_protector(&self, protector: &dyn KeyProtector) -> Result<(), ApprovalError> {
        let wrapped = self.with_vault(|v| v.platform_wrapped_key())?;
        let key = UnwrappedKey::new(protector.unwrap(wrapped).map_err(VaultError::from)?);
        self.with_vault(|v| v.unlock_with_unwrapped_key(key))
    }

    /// Adds or replaces the platform slot (needs the vault unlocked): wraps the vault key
    /// with `protector` and checks that `unwrap` gives it back before storing it. The
    /// protector runs with no access held (it may prompt once per operation).
    fn add_platform_slot(&self, protector: &dyn KeyProtector) -> Result<(), ApprovalError> {
        let key = self.with_vault(|v| v.key_for_wrapping())?;
        let wrapped = protector.wrap(key.to_vec()).map_err(VaultError::from)?;
        let back = Zeroizing::new(protector.unwrap(wrapped.clone()).map_err(VaultError::from)?);
        if back[..] != key[..] {
            let failed = ProtectorError::Failed("unwrap did not return the wrapped key".into());
            return Err(VaultError::Protector(failed).into());
        }
        self.with_vault(|v| v.set_platform_wrapped_key(wrapped))
    }
}

/// Locks the mutex around each access. A poisoned mutex is recovered: the only state it
/// guards is the SQLite connection (whose transactions roll back on unwind) and the key.
impl VaultAccess for Mutex<Vault> {
    fn with_vault<R>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<R, VaultError>,
    ) -> Result<R, ApprovalError> {
        let mut guard = self.lock().unwrap_or_else(|poisoned| {
            self.clear_poison();
            poisoned.into_inner()
        });
        Ok(f(&mut guard)?)
    }
}

/// Like `Mutex<Vault>`; `None` (a closed vault) gives [`ApprovalError::Closed`].
impl VaultAccess for Mutex<Option<Vault>> {
    fn with_vault<R>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<R, VaultError>,
    ) -> Result<R, ApprovalError> {
        let mut guard = self.lock().unwrap_or_else(|poisoned| {
            self.clear_poison();
            poisoned.into_inner()
        });
        let vault = guard.as_mut().ok_or(ApprovalError::Closed)?;
        Ok(f(vault)?)
    }
}

/// A vault borrowed by one thread (the CLI): borrowed mutably around each access.
/// Only core code runs while it is borrowed, so the borrow never conflicts.
impl VaultAccess for RefCell<&mut Vault> {
    fn with_vault<R>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<R, VaultError>,
    ) -> Result<R, ApprovalError> {
        Ok(f(&mut self.borrow_mut())?)
    }
}
