//! The encrypted vault.
