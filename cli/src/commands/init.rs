//! `nyckel init`: create the vault.

use nyckel_core::vault::{KdfParams, Vault};

use super::Context;
use crate::cli::InitArgs;
use crate::error::{CliError, Result};
use crate::output::{self, warn};
use crate::passphrase::{self, RECOMMENDED_MIN_CHARS};

/// The Argon2id parameters asked for, checked against the core's floor and ceiling.
pub fn kdf_params(args: &InitArgs) -> Result<KdfParams> {
    let default = KdfParams::DEFAULT;
    let memory_kib = match args.kdf_memory_mib {
        Some(mib) => {
            mib.checked_mul(1024).ok_or_else(|| CliError::usage("--kdf-memory-mib is too large"))?
        }
        None => default.memory_kib,
    };
    let kdf = KdfParams {
        memory_kib,
        iterations: args.kdf_iterations.unwrap_or(default.iterations),
        ..default
    };
    kdf.check().map_err(|_| {
        let (lo, hi) = (KdfParams::FLOOR, KdfParams::CEILING);
        CliError::usage(format!(
            "Argon2id parameters out of range: --kdf-memory-mib must be {}–{} and --kdf-iterations {}–{}",
            lo.memory_kib / 1024,
            hi.memory_kib / 1024,
            lo.iterations,
            hi.iterations
        ))
    })?;
    Ok(kdf)
}

/// Creates the vault (and its directory), asking for the passphrase twice on a terminal.
pub fn run(ctx: &Context, args: &InitArgs) -> Result<()> {
    let path = ctx.vault_path()?;
    let kdf = kdf_params(args)?;
    if path.exists() {
        return Err(
            nyckel_core::vault::VaultError::AlreadyExists(path.display().to_string()).into()
        );
    }
    let pass = passphrase::for_new_vault()?;
    let chars = pass.as_str().chars().count();
    if chars > 0 && chars < RECOMMENDED_MIN_CHARS {
        warn(&format!(
            "the passphrase is only {chars} characters; use at least {RECOMMENDED_MIN_CHARS} (a few random words are best)"
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        create_private_dir(dir)?;
    }
    let vault = Vault::create(&path, pass.as_str(), kdf)?;
    drop(vault);
    restrict_permissions(&path);
    let term = ctx.term;
    output::print(&format!(
        "Created an encrypted vault at {}\n{}\n\nNext: add an account with `nyckel add URI` or `nyckel scan QR.png`.\n",
        path.display(),
        term.dim(&format!("Argon2id: {} MiB, {} passes", kdf.memory_kib / 1024, kdf.iterations)),
    ))
}

fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))
}

/// Makes the vault (and SQLite's side files) readable by the owner only. Best effort: the
/// file is encrypted anyway.
fn restrict_permissions(path: &std::path::Path) {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}
