#![warn(missing_docs)]
//! The `nyckel` command-line authenticator: a thin layer over `nyckel-core`.
//!
//! The library exposes one thing, [`run`], which the `nyckel` binary calls. Inside, `cli`
//! parses the arguments, `commands` does the work (one module per command), everything
//! that prints goes through `output`, and every failure through `error`.

mod agent;
mod cli;
mod commands;
#[cfg(feature = "demo")]
mod demo;
mod error;
mod input;
mod keys;
mod output;
mod passphrase;
mod pin;
mod private_file;
mod process;
mod qr;
mod watch;

use clap::error::ErrorKind;
use clap::Parser;

use cli::{Cli, Command};
use commands::Context;
use error::CliError;
use output::Term;

/// Runs `nyckel` with the process's arguments and environment. Returns when the command
/// succeeded (exit code 0); otherwise prints the one-line error and exits with its code
/// (`docs/cli.md`, "Exit codes and errors").
pub fn run() {
    error::install_panic_hook();
    // Before any vault is opened: no core dump may hold its key.
    if let Err(e) = process::disable_core_dumps() {
        eprintln!("nyckel: warning: cannot disable core dumps: {e}");
    }
    // An empty NYCKEL_VAULT means "not set" (clap would call it a missing value).
    if std::env::var_os("NYCKEL_VAULT").is_some_and(|v| v.is_empty()) {
        std::env::remove_var("NYCKEL_VAULT");
    }
    #[cfg(not(feature = "demo"))]
    if std::env::args_os().nth(1).is_some_and(|a| a == "demo") {
        exit_with(&CliError::usage(
            "this nyckel was built without the demo; run it with `cargo run --release -p nyckel-cli --features demo -- demo`",
        ));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => exit_on_clap_error(e),
    };
    let ctx = Context { vault: cli.vault, term: Term::stdout() };
    let result = match &cli.command {
        Command::Init(a) => commands::init::run(&ctx, a),
        Command::Add(a) => commands::add::run_add(&ctx, a),
        Command::Scan(a) => commands::add::run_scan(&ctx, a),
        Command::List(a) => commands::list::run(&ctx, a),
        Command::Code(a) => commands::code::run(&ctx, a),
        Command::Watch(a) => commands::watch::run(&ctx, a),
        Command::ShowQr(a) => commands::show_qr::run(&ctx, a),
        Command::Rename(a) => commands::edit::run_rename(&ctx, a),
        Command::Delete(a) => commands::edit::run_delete(&ctx, a),
        Command::Enroll(a) => commands::enroll::run(&ctx, a),
        Command::Approve(a) => commands::approve::run(&ctx, a),
        Command::PhoneSignin(a) => commands::phone_signin::run(&ctx, a),
        Command::Enrollments(a) => commands::enrollments::run_list(&ctx, a),
        Command::Unenroll(a) => commands::enrollments::run_unenroll(&ctx, a),
        Command::Activity(a) => commands::activity::run(&ctx, a),
        Command::Import(a) => commands::import::run(&ctx, a),
        Command::Export(a) => commands::export::run(&ctx, a),
        Command::Transfer(a) => commands::transfer::run(&ctx, a),
        Command::Unlock(a) => commands::session::run_unlock(&ctx, a),
        Command::Lock => commands::session::run_lock(&ctx),
        Command::Agent(a) => agent::serve(a.seconds),
        Command::Inspect(a) => commands::inspect::run(&ctx.term, a),
        #[cfg(feature = "demo")]
        Command::Demo(a) => demo::run(ctx.term, a),
    };
    if let Err(e) = result {
        exit_with(&e);
    }
}

fn exit_with(e: &CliError) -> ! {
    if let Some(message) = e.message() {
        eprintln!("nyckel: {message}");
    }
    std::process::exit(e.exit_code());
}

/// Help and version print as clap does; usage errors become one line without the values
/// typed (see [`cli::argument_error`]) and exit 2.
fn exit_on_clap_error(e: clap::Error) -> ! {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => exit_with(&CliError::usage(cli::argument_error(&e))),
    }
}
