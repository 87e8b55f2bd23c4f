//! Exports that exist only in test builds (`--features test-hooks`), never in the apps.

use crate::error::NyckelError;

/// Panics inside Rust, so the Kotlin/Swift suites can check that a panic arrives as an
/// error (Kotlin `InternalException`, Swift `UniffiInternalError`) and not as a crash.
#[doc(hidden)]
#[uniffi::export]
pub fn test_hook_panic(message: String) -> Result<(), NyckelError> {
    panic!("test hook panic: {message}");
}

/// Whether this library was built with the test hooks (the apps' builds return false).
#[doc(hidden)]
#[uniffi::export]
pub fn test_hooks_enabled() -> bool {
    true
}
