//! Recovery codes (`nyckel_core::recovery`): first-run recovery for personal accounts. The
//! app shows a generated code to write down, has it typed back, and uses its text as the
//! vault's recovery passphrase and as the password of the automatic backups.

use nyckel_core::random::SystemRandom;
use nyckel_core::recovery::RecoveryCode;
use zeroize::Zeroizing;

use crate::error::NyckelError;

/// A fresh recovery code as it is written down: `K7PQA-MX3DE-…` (6 groups of 5). A secret:
/// show it once, then forget it. `Internal` if the system random source fails.
#[uniffi::export]
pub fn generate_recovery_code() -> Result<String, NyckelError> {
    Ok(RecoveryCode::generate(&SystemRandom)?.text().to_string())
}

/// Reads a typed recovery code (any case, spaces or dashes, `0`/`1`/`8` for `O`/`I`/`B`) and
/// returns it as written (the passphrase to use). `InvalidInput` naming what is wrong — the
/// length, a character, or the group that looks mistyped — without echoing the text.
#[uniffi::export]
pub fn check_recovery_code(typed: String) -> Result<String, NyckelError> {
    let typed = Zeroizing::new(typed);
    Ok(RecoveryCode::parse(&typed)?.text().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_generated_code_checks_back_and_a_typo_names_its_group() {
        let code = generate_recovery_code().unwrap();
        assert_eq!(code.len(), 35);
        assert_eq!(check_recovery_code(code.to_lowercase().replace('-', " ")).unwrap(), code);
        let mut typo: Vec<char> = code.chars().collect();
        typo[7] = if typo[7] == 'A' { 'B' } else { 'A' };
        let err = check_recovery_code(typo.into_iter().collect()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("group 2"), "{err}");
        assert!(!err.to_string().contains(&code[..5]));
        let err = check_recovery_code("correct horse".into()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
