//! `nyckel-idp`: serve the reference identity provider, and administer its database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use nyckel_idp::{Clock, Config, Error, Provider, RequestKind, SigninFrom};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "nyckel-idp",
    version,
    about = "Reference identity provider for Nyckel push sign-in"
)]
struct Cli {
    /// The SQLite database file (created if missing).
    #[arg(long, global = true, default_value = "nyckel-idp.db")]
    db: PathBuf,
    /// Print one JSON object.
    #[arg(long, global = true)]
    json: bool,
    /// Public origin (`https://idp.example.se`); `serve` defaults to http://ADDR. Stored in the
    /// database so every command prints enrollment codes for it.
    #[arg(long, global = true)]
    origin: Option<String>,
    /// WebAuthn rpId (default: the origin's host).
    #[arg(long, global = true)]
    rp_id: Option<String>,
    /// Display name of the provider.
    #[arg(long, global = true)]
    issuer: Option<String>,
    /// Shift the provider clock by SECS seconds (tests).
    #[arg(long, global = true, hide = true, default_value_t = 0, allow_hyphen_values = true)]
    clock_offset: i64,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
    /// Start and inspect sign-ins as the sign-in page would.
    #[command(subcommand)]
    Signin(SigninCmd),
    /// Manage devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Show recent events.
    Events {
        /// Only this user's events.
        #[arg(long)]
        user: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user and print an enrollment code.
    Add {
        /// User name.
        name: String,
        /// Password (omit for a passwordless-only user).
        #[arg(long)]
        password: Option<String>,
        /// Also give the user a TOTP secret, carried in the enrollment code.
        #[arg(long)]
        totp: bool,
    },
    /// Issue a new enrollment code for a user.
    Enroll {
        /// User name.
        name: String,
    },
}

#[derive(Subcommand)]
enum SigninCmd {
    /// Create a sign-in request; prints the id and the number to show.
    Start {
        /// User name.
        name: String,
        /// Passwordless phone sign-in.
        #[arg(long)]
        passwordless: bool,
        /// Requesting application shown on the phone.
        #[arg(long, default_value = "Nyckel IdP CLI")]
        app: String,
        /// Client IP shown on the phone.
        #[arg(long, default_value = "127.0.0.1")]
        ip: String,
        /// Approximate location shown on the phone.
        #[arg(long, default_value = "")]
        location: String,
    },
    /// Show a request's state.
    Status {
        /// Request id (ids are base64url and may start with '-').
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

#[derive(Subcommand)]
enum DeviceCmd {
    /// List a user's devices.
    List {
        /// User name.
        name: String,
    },
    /// Revoke a device (its keys are refused at once).
    Revoke {
        /// Device id (ids are base64url and may start with '-').
        #[arg(allow_hyphen_values = true)]
        device_id: String,
    },
}

fn fail(json_out: bool, e: &Error) -> ExitCode {
    if json_out {
        println!("{}", json!({"error": e.code(), "message": e.to_string()}));
    } else {
        eprintln!("nyckel-idp: {e}");
    }
    ExitCode::from(if e.is_internal() { 2 } else { 1 })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = Config { clock: Clock::with_offset(cli.clock_offset), ..Config::default() };
    if let Cmd::Serve(a) = &cli.cmd {
        return serve(&cli, a, cfg);
    }
    let provider = match Provider::open(&cli.db, cfg) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("nyckel-idp: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match &cli.origin {
        Some(origin) => provider.configure(origin, cli.rp_id.as_deref(), cli.issuer.as_deref()),
        None => Ok(()),
    }
    .and_then(|()| run(&cli, &provider));
    match result {
        Ok((value, text)) => {
            if cli.json {
                println!("{value}");
            } else {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(cli.json, &e),
    }
}

fn run(cli: &Cli, provider: &Provider) -> Result<(serde_json::Value, String), Error> {
    match &cli.cmd {
        Cmd::Serve(_) => unreachable!("handled in main"),
        Cmd::User(UserCmd::Add { name, password, totp }) => {
            let e = provider.add_user(name, password.as_deref(), *totp)?;
            let text = format!(
                "Added {}.\nEnrollment code (single use, expires at {}):\n{}",
                e.user, e.expires_at, e.enroll_uri
            );
            Ok((serde_json::to_value(&e).unwrap_or_default(), text))
        }
        Cmd::User(UserCmd::Enroll { name }) => {
            let e = provider.issue_enrollment(name)?;
            let text = e.enroll_uri.clone();
            Ok((serde_json::to_value(&e).unwrap_or_default(), text))
        }
        Cmd::Signin(SigninCmd::Start { name, passwordless, app, ip, location }) => {
            let kind = if *passwordless { RequestKind::Passwordless } else { RequestKind::Push };
            let from = SigninFrom { app: app.clone(), ip: ip.clone(), location: location.clone() };
            let s = provider.start_signin(name, kind, &from)?;
            let text = format!(
                "Request {}\nNumber to type: {}\nExpires at {}",
                s.id, s.number, s.expires_at
            );
            Ok((serde_json::to_value(&s).unwrap_or_default(), text))
        }
        Cmd::Signin(SigninCmd::Status { id }) => {
            let s = provider.signin_status(id)?;
            let text = format!("{}: {}", s.id, s.state);
            Ok((serde_json::to_value(&s).unwrap_or_default(), text))
        }
        Cmd::Device(DeviceCmd::List { name }) => {
            let d = provider.devices(name)?;
            let text = d
                .iter()
                .map(|d| {
                    format!(
                        "{}  {}  {}",
                        d.device_id,
                        d.name,
                        if d.revoked_at.is_some() { "revoked" } else { "active" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((json!({"devices": d}), text))
        }
        Cmd::Device(DeviceCmd::Revoke { device_id }) => {
            provider.revoke_device(device_id)?;
            Ok((json!({"deviceId": device_id, "revoked": true}), format!("Revoked {device_id}.")))
        }
        Cmd::Events { user, limit } => {
            let ev = provider.events(user.as_deref(), *limit)?;
            let text = ev
                .iter()
                .map(|e| {
                    format!(
                        "{}  {}  {}  {}",
                        e.at,
                        e.user.as_deref().unwrap_or("-"),
                        e.kind,
                        e.detail
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((json!({"events": ev}), text))
        }
    }
}

/// Structured logs of `serve` on stderr: `NYCKEL_IDP_LOG` = off, error, warn, info (default),
/// debug or trace. Lines carry the request id; never a secret, nonce, number or signature.
fn init_logs() {
    let level = match std::env::var("NYCKEL_IDP_LOG").as_deref() {
        Ok("off") => return,
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn serve(cli: &Cli, a: &ServeArgs, mut cfg: Config) -> ExitCode {
    init_logs();
    cfg.origin = cli.origin.clone();
    cfg.rp_id = cli.rp_id.clone();
    if let Some(i) = &cli.issuer {
        cfg.issuer = i.clone();
    }
    let rt =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("nyckel-idp: {e}");
                return ExitCode::from(2);
            }
        };
    let provider = match Provider::open(&cli.db, cfg.clone()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("nyckel-idp: {e}");
            return ExitCode::from(2);
        }
    };
    let json_out = cli.json;
    let r = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.addr).await?;
        let addr = listener.local_addr()?;
        let origin = cfg.origin.clone().unwrap_or_else(|| format!("http://{addr}"));
        if json_out {
            println!("{}", json!({"listening": addr.to_string(), "origin": origin}));
        } else {
            eprintln!("nyckel-idp listening on {addr} ({origin})");
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        provider.serve(listener, shutdown).await
    });
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nyckel-idp: {e}");
            ExitCode::from(2)
        }
    }
}
