//! `nyckel-idp`: serve the reference identity provider, and administer its database.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use std::sync::Arc;

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_idp::{
    ClientSpec, Config, EamMethod, EamSpec, Error, Provider, RequestKind, RevocationFile,
    SigninFrom, SigningAlg,
};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "nyckel-idp",
    version,
    about = "Reference identity provider for Nyckel push sign-in"
)]
struct Cli {
    /// The SQLite database file. Created only by `serve` or a command given --origin; any
    /// other command refuses a missing file rather than create an empty database.
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
    /// Whom users contact when a report blocks their sign-ins ("IT-support 040-123 45 67");
    /// stored in the database ("" removes it).
    #[arg(long, global = true)]
    helpdesk: Option<String>,
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
    /// Manage OpenID Connect clients (relying parties).
    #[command(subcommand)]
    Client(ClientCmd),
    /// Manage the ID token signing keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Manage Microsoft Entra ID external authentication methods.
    #[command(subcommand)]
    Eam(EamCmd),
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
    /// Require an attestation of every new phone sign-in key, accepting Android Key
    /// Attestation with a chain up to this root certificate (PEM or DER; Google's hardware
    /// attestation roots in production). Repeat for several roots. Phones that cannot attest
    /// (the CLI; iPhones unless --app-attest-app-id is given too) cannot enable phone sign-in
    /// then.
    #[arg(long = "require-key-attestation", value_name = "ROOT.pem")]
    attestation_roots: Vec<PathBuf>,
    /// With --require-key-attestation: Google's attestation status list (the JSON file
    /// Google publishes, fetched by the administrator on a schedule); a chain with a revoked
    /// or suspended certificate is refused. Read again whenever the file changes; while it
    /// cannot be read every attestation is refused.
    #[arg(
        long = "android-revocation-list",
        value_name = "STATUS.json",
        requires = "attestation_roots"
    )]
    android_revocations: Option<PathBuf>,
    /// With --require-key-attestation: the phone's bootloader must be locked and its boot
    /// verified (the attestation's rootOfTrust).
    #[arg(long = "android-require-verified-boot", requires = "attestation_roots")]
    android_verified_boot: bool,
    /// With --require-key-attestation: only this app may create phone sign-in keys, given as
    /// PACKAGE:SHA256 (its signing certificate's digest in hexadecimal). Repeat for several.
    #[arg(long = "android-app", value_name = "PACKAGE:SHA256", requires = "attestation_roots",
          value_parser = nyckel_idp::AndroidApp::parse)]
    android_apps: Vec<nyckel_idp::AndroidApp>,
    /// With --require-key-attestation: the oldest Android security patch level accepted
    /// (YYYYMM, the attestation's osPatchLevel).
    #[arg(long = "android-min-patch-level", value_name = "YYYYMM", requires = "attestation_roots",
          value_parser = clap::value_parser!(u32).range(200_001..=999_912))]
    android_min_patch_level: Option<u32>,
    /// Require an attestation of every new phone sign-in key, accepting Apple App Attest from
    /// this app (its App ID, TEAMID.bundleId). Repeat for several apps. Verified up to Apple's
    /// App Attestation root (built in) unless --app-attest-root is given.
    #[arg(long = "app-attest-app-id", value_name = "TEAMID.BUNDLE")]
    app_attest_ids: Vec<String>,
    /// With --app-attest-app-id: trust this root instead of Apple's built-in App Attestation
    /// root (PEM or DER; repeat for several).
    #[arg(long = "app-attest-root", value_name = "ROOT.pem", requires = "app_attest_ids")]
    app_attest_roots: Vec<PathBuf>,
    /// With --app-attest-app-id: also accept development builds' attestations (App Attest's
    /// development environment). Never in production: any sideloaded build has one.
    #[arg(long = "app-attest-development", requires = "app_attest_ids")]
    app_attest_development: bool,
    /// How long a sign-in request waits for the phone, in seconds (default 120, the most: the
    /// apps give a signature two minutes). A shorter lifetime is a stricter policy; 5 s is
    /// the least a person can answer in.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(i64).range(5..=120))]
    request_ttl: Option<i64>,
    /// How long events (the activity `events` and the account page show) are kept, in days
    /// (default 365); older ones are deleted while the server runs, in small batches.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(i64).range(1..=36_500))]
    event_retention_days: Option<i64>,
    /// Password checks (Argon2id, 19 MiB each) run at once; more wait up to 2 s, then are
    /// answered 503 "busy" with Retry-After. It bounds the memory a flood of wrong passwords
    /// can take to N × 19 MiB. Default: the machine's available parallelism.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    password_checks: Option<u16>,
}

/// The certificates in `path`: every PEM `CERTIFICATE` block, or the file as one DER
/// certificate.
fn read_roots(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !bytes.starts_with(b"-----") {
        return Ok(vec![bytes]);
    }
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate", path.display()));
    }
    Ok(certs)
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
    /// Issue a new enrollment code for a user (a lost phone: the new phone scans it).
    Enroll {
        /// User name.
        name: String,
        /// Also write the code as a QR image (PNG, owner-only file) to hand to the user.
        #[arg(long, value_name = "FILE.png")]
        qr: Option<PathBuf>,
    },
    /// A lost phone: revoke every phone of the user (their keys are refused at once; pending
    /// sign-ins, older enrollment codes and sessions end) and issue a new enrollment code, in
    /// one step. The new phone scans it.
    ReplacePhone {
        /// User name.
        name: String,
        /// Also write the code as a QR image (PNG, owner-only file) to hand to the user.
        #[arg(long, value_name = "FILE.png")]
        qr: Option<PathBuf>,
    },
    /// List the users.
    List,
    /// Disable a user: no sign-in by any method; their pending requests, unused enrollment
    /// codes, sessions and access tokens end at once.
    Disable {
        /// User name.
        name: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// User name.
        name: String,
    },
    /// Lift the block on new sign-ins and the mute of push notifications that a report
    /// ("Rapportera") set.
    Unblock {
        /// User name.
        name: String,
    },
    /// Unlock password sign-in for a user name locked after too many wrong passwords.
    Unlock {
        /// User name.
        name: String,
    },
    /// Set a user's password, read from standard input (first line) or, on a terminal, typed
    /// twice without echo. Never from the command line.
    SetPassword {
        /// User name.
        name: String,
        /// Remove the password instead (phone sign-in and one-time codes remain).
        #[arg(long)]
        remove: bool,
    },
    /// Delete a user with their devices, requests, sessions, tokens and events.
    Delete {
        /// User name.
        name: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Link a Microsoft Entra user (tenant id, object id) to a user, for external
    /// authentication.
    Link {
        /// User name.
        name: String,
        /// The Entra tenant id (`tid`).
        #[arg(long)]
        tenant: String,
        /// The user's object id in that tenant (`oid`).
        #[arg(long, allow_hyphen_values = true)]
        oid: String,
    },
    /// Remove a user's link to a Microsoft Entra user.
    Unlink {
        /// User name.
        name: String,
        /// The Entra tenant id.
        #[arg(long)]
        tenant: String,
        /// The user's object id in that tenant.
        #[arg(long, allow_hyphen_values = true)]
        oid: String,
    },
}

#[derive(Subcommand)]
enum EamCmd {
    /// Add an external authentication method: Entra, configured with CLIENT_ID and this
    /// provider's discovery URL, sends its tenants' users here for their second factor.
    Add {
        /// A tenant whose users may sign in (repeat for several).
        #[arg(long = "tenant", required = true)]
        tenants: Vec<String>,
        /// The Entra application id (the `aud` of Entra's hints).
        #[arg(long)]
        app_id: String,
        /// The client id Entra is configured with (you choose it).
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
        /// Where answers are posted (default: Entra's global cloud).
        #[arg(long)]
        redirect_uri: Option<String>,
        /// The hints' issuer with {tenantid} (default: Entra's global cloud).
        #[arg(long)]
        issuer: Option<String>,
        /// The tenants' JWKS with {tenantid} (default: Entra's global cloud).
        #[arg(long)]
        jwks_uri: Option<String>,
    },
    /// List the external authentication methods.
    List,
    /// Remove an external authentication method.
    Remove {
        /// Its client id.
        #[arg(allow_hyphen_values = true)]
        client_id: String,
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
enum ClientCmd {
    /// Register a client; prints its id and (confidential clients) its secret, shown once.
    Add {
        /// The application's name (shown on the sign-in page).
        name: String,
        /// A redirect URI (exact match; repeat for several).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A public client (no secret; PKCE required).
        #[arg(long)]
        public: bool,
        /// A post-logout redirect URI (repeat for several).
        #[arg(long = "post-logout-uri")]
        post_logout_uris: Vec<String>,
        /// Sign its ID tokens with ES256 instead of RS256.
        #[arg(long)]
        es256: bool,
    },
    /// List the registered clients.
    List,
    /// Remove a client (its codes and access tokens stop working).
    Remove {
        /// Client id (ids are base64url and may start with '-').
        #[arg(allow_hyphen_values = true)]
        client_id: String,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// List the signing keys.
    List,
    /// Add a new key of each algorithm (they sign from now on; old keys stay published), or
    /// with --retire, stop publishing a key.
    Rotate {
        /// Retire this key instead (its tokens no longer verify).
        #[arg(long, allow_hyphen_values = true)]
        retire: Option<String>,
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
    let offset = cli.clock_offset;
    let clock = Arc::new(move || SystemClock.now().saturating_add(offset));
    let cfg = Config { clock, ..Config::default() };
    if let Cmd::Serve(a) = &cli.cmd {
        return serve(&cli, a, cfg);
    }
    // Only a command that configures a provider creates its database: a mistyped or missing
    // --db is an error, not a new empty file.
    if cli.origin.is_none() && !cli.db.exists() {
        let message = format!(
            "no database at {}: pass --db FILE, or create one with `nyckel-idp --origin URL serve`",
            cli.db.display()
        );
        if cli.json {
            println!("{}", json!({"error": "no_database", "message": message}));
        } else {
            eprintln!("nyckel-idp: {message}");
        }
        return ExitCode::from(2);
    }
    let provider = match Provider::open(&cli.db, cfg) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("nyckel-idp: {e}");
            return ExitCode::from(2);
        }
    };
    warn_of_name_clashes(&provider);
    let result = match &cli.origin {
        Some(origin) => provider.configure(origin, cli.rp_id.as_deref(), cli.issuer.as_deref()),
        None => Ok(()),
    }
    .and_then(|()| match &cli.helpdesk {
        Some(contact) => provider.set_helpdesk(contact),
        None => Ok(()),
    })
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
        Cmd::User(UserCmd::Enroll { name, qr }) => {
            let e = provider.issue_enrollment(name)?;
            let mut value = serde_json::to_value(&e).unwrap_or_default();
            let mut text = e.enroll_uri.clone();
            if let Some(path) = qr {
                nyckel_idp::write_qr_png(path, &e.enroll_uri)?;
                value["qr"] = json!(path.display().to_string());
                text = format!(
                    "{text}\nQR code written to {} (single use, expires at {}).",
                    path.display(),
                    local_time(e.expires_at)
                );
            }
            Ok((value, text))
        }
        Cmd::User(UserCmd::ReplacePhone { name, qr }) => {
            // A mistyped path is refused before anything is revoked.
            if let Some(path) = qr {
                let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
                if path.is_dir() || folder.is_some_and(|f| !f.is_dir()) {
                    return Err(Error::BadRequest(format!(
                        "cannot write {}: no such folder, or a folder; nothing was changed",
                        path.display()
                    )));
                }
            }
            let r = provider.replace_phones(name)?;
            let e = &r.enrollment;
            let mut value = serde_json::to_value(&r).unwrap_or_default();
            let revoked = match r.revoked.len() {
                0 => format!("{} had no active phone.", e.user),
                n => format!(
                    "Revoked {n} phone(s) of {}: {}; their pending sign-ins and sessions ended.",
                    e.user,
                    r.revoked.join(", ")
                ),
            };
            let mut text = format!(
                "{revoked}\nNew enrollment code (single use, expires at {}):\n{}",
                local_time(e.expires_at),
                e.enroll_uri
            );
            if let Some(path) = qr {
                nyckel_idp::write_qr_png(path, &e.enroll_uri)?;
                value["qr"] = json!(path.display().to_string());
                text.push_str(&format!("\nQR code written to {}.", path.display()));
            }
            Ok((value, text))
        }
        Cmd::User(UserCmd::List) => {
            let users = provider.users()?;
            let now = provider.config().clock.now();
            let text = users.iter().map(|u| user_line(u, now)).collect::<Vec<_>>().join("\n");
            let clashes: Vec<_> = provider
                .name_clashes()?
                .into_iter()
                .map(|(name, holder)| json!({"name": name, "sameAs": holder}))
                .collect();
            Ok((json!({ "users": users, "nameClashes": clashes }), text))
        }
        Cmd::User(UserCmd::Disable { name }) => {
            let changed = provider.set_user_disabled(name, true)?;
            let text = if changed {
                format!("Disabled {name}: no sign-in until `user enable`; their sessions ended.")
            } else {
                format!("{name} was already disabled.")
            };
            Ok((json!({"user": name, "disabled": true, "changed": changed}), text))
        }
        Cmd::User(UserCmd::Enable { name }) => {
            let changed = provider.set_user_disabled(name, false)?;
            let text = if changed {
                format!("Enabled {name}.")
            } else {
                format!("{name} was not disabled.")
            };
            Ok((json!({"user": name, "disabled": false, "changed": changed}), text))
        }
        Cmd::User(UserCmd::Unblock { name }) => {
            let was_blocked = provider.unblock_user(name)?;
            let text = if was_blocked {
                format!(
                    "New sign-ins for {name} are no longer blocked, nor push notifications muted."
                )
            } else {
                format!("{name} was not blocked by a report.")
            };
            Ok((json!({"user": name, "unblocked": was_blocked}), text))
        }
        Cmd::User(UserCmd::SetPassword { name, remove }) => {
            if *remove {
                provider.set_password(name, None)?;
                return Ok((
                    json!({"user": name, "password": false}),
                    format!("Removed {name}'s password."),
                ));
            }
            let password = read_new_password(name)?;
            provider.set_password(name, Some(&password))?;
            Ok((json!({"user": name, "password": true}), format!("Set {name}'s password.")))
        }
        Cmd::User(UserCmd::Delete { name, yes }) => {
            if !*yes {
                return Err(Error::BadRequest(format!(
                    "deleting {name} removes their devices, requests, sessions and events for good; add --yes"
                )));
            }
            let gone = provider.delete_user(name)?;
            let text = format!(
                "Deleted {name} with {} device(s), {} request(s), {} session(s), {} event(s).",
                gone.devices, gone.requests, gone.sessions, gone.events
            );
            Ok((json!({"user": name, "deleted": gone}), text))
        }
        Cmd::User(UserCmd::Unlock { name }) => {
            let had_failures = provider.unlock_password(name)?;
            let text = if had_failures {
                format!("Password sign-in for {name} unlocked.")
            } else {
                format!("{name} had no failed password attempts.")
            };
            Ok((json!({"user": name, "unlocked": had_failures}), text))
        }
        Cmd::User(UserCmd::Link { name, tenant, oid }) => {
            provider.link_user(name, tenant, oid)?;
            Ok((
                json!({"user": name, "tenant": tenant, "oid": oid, "linked": true}),
                format!("Linked {name} to {oid} in tenant {tenant}."),
            ))
        }
        Cmd::User(UserCmd::Unlink { name, tenant, oid }) => {
            provider.unlink_user(name, tenant, oid)?;
            Ok((
                json!({"user": name, "tenant": tenant, "oid": oid, "linked": false}),
                format!("Unlinked {name} from {oid} in tenant {tenant}."),
            ))
        }
        Cmd::Eam(EamCmd::Add { tenants, app_id, client_id, redirect_uri, issuer, jwks_uri }) => {
            let spec = EamSpec {
                tenants: tenants.clone(),
                app_id: app_id.clone(),
                client_id: client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                issuer_template: issuer.clone(),
                jwks_uri: jwks_uri.clone(),
            };
            let m = provider.add_eam(&spec)?;
            // Not configured yet (no `serve`, no --origin): there is no URL to give Entra yet.
            let discovery = provider.discovery_url().ok();
            let text = format!(
                "Added external authentication method {}.\nIn Entra: client id {}, app id {}, discovery URL {}",
                m.client_id,
                m.client_id,
                m.app_id,
                discovery.as_deref().unwrap_or("(set --origin first)")
            );
            let mut v = eam_json(&m);
            v["discoveryUrl"] = json!(discovery);
            Ok((v, text))
        }
        Cmd::Eam(EamCmd::List) => {
            let list = provider.eams()?;
            let text = list
                .iter()
                .map(|m| {
                    format!("{}  app {}  tenants {}", m.client_id, m.app_id, m.tenants.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((json!({"eams": list.iter().map(eam_json).collect::<Vec<_>>()}), text))
        }
        Cmd::Eam(EamCmd::Remove { client_id }) => {
            provider.remove_eam(client_id)?;
            Ok((json!({"clientId": client_id, "removed": true}), format!("Removed {client_id}.")))
        }
        Cmd::Signin(SigninCmd::Start { name, passwordless, app, ip, location }) => {
            let kind = if *passwordless { RequestKind::Passwordless } else { RequestKind::Push };
            let from = SigninFrom { app: app.clone(), ip: ip.clone(), location: location.clone() };
            let s = provider.start_signin(name, kind, &from)?;
            let mut text = format!(
                "Request {}\nNumber to type: {}\nExpires at {}",
                s.id, s.number, s.expires_at
            );
            if s.quiet {
                text.push_str(
                    "\nNo notification sent (quiet mode): open the Nyckel app to see it.",
                );
            }
            Ok((serde_json::to_value(&s).unwrap_or_default(), text))
        }
        Cmd::Signin(SigninCmd::Status { id }) => {
            let s = provider.signin_status(id)?;
            let text = format!("{}: {}", s.id, s.state);
            Ok((serde_json::to_value(&s).unwrap_or_default(), text))
        }
        Cmd::Device(DeviceCmd::List { name }) => {
            let d = provider.devices(name)?;
            let text = if d.is_empty() {
                format!("{name} has no devices.")
            } else {
                d.iter().map(device_line).collect::<Vec<_>>().join("\n")
            };
            Ok((json!({"devices": d}), text))
        }
        Cmd::Device(DeviceCmd::Revoke { device_id }) => {
            provider.revoke_device(device_id)?;
            Ok((json!({"deviceId": device_id, "revoked": true}), format!("Revoked {device_id}.")))
        }
        Cmd::Client(ClientCmd::Add { name, redirect_uris, public, post_logout_uris, es256 }) => {
            let spec = ClientSpec {
                name: name.clone(),
                redirect_uris: redirect_uris.clone(),
                post_logout_uris: post_logout_uris.clone(),
                public: *public,
                id_token_alg: es256.then_some(SigningAlg::Es256),
            };
            let new = provider.add_client(&spec)?;
            let id = new.client.id.clone();
            let text = match &new.secret {
                Some(secret) => format!("Client id: {id}\nClient secret (shown once): {secret}"),
                None => format!("Client id: {id} (public: PKCE, no secret)"),
            };
            Ok((json!({"clientId": id, "clientSecret": new.secret}), text))
        }
        Cmd::Client(ClientCmd::List) => {
            let clients = provider.clients()?;
            let list: Vec<serde_json::Value> = clients
                .iter()
                .map(|c| {
                    json!({
                        "clientId": c.id,
                        "name": c.name,
                        "redirectUris": c.redirect_uris,
                        "postLogoutUris": c.post_logout_uris,
                        "public": c.is_public(),
                        "idTokenAlg": c.id_token_alg.as_str(),
                        "createdAt": c.created_at,
                    })
                })
                .collect();
            let text = clients
                .iter()
                .map(|c| {
                    let kind = if c.is_public() { "public" } else { "confidential" };
                    format!("{}  {}  {}  {}", c.id, c.name, kind, c.redirect_uris.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok((json!({ "clients": list }), text))
        }
        Cmd::Client(ClientCmd::Remove { client_id }) => {
            provider.remove_client(client_id)?;
            Ok((json!({"clientId": client_id, "removed": true}), format!("Removed {client_id}.")))
        }
        Cmd::Keys(KeysCmd::List) => {
            let keys = provider.signing_keys()?;
            let text = keys.iter().map(key_line).collect::<Vec<_>>().join("\n");
            Ok((json!({ "keys": keys }), text))
        }
        Cmd::Keys(KeysCmd::Rotate { retire: Some(kid) }) => {
            provider.retire_key(kid)?;
            Ok((json!({"kid": kid, "retired": true}), format!("Retired {kid}.")))
        }
        Cmd::Keys(KeysCmd::Rotate { retire: None }) => {
            let added = provider.rotate_keys()?;
            let text =
                format!("Added {}; older keys stay published until retired.", added.join(", "));
            Ok((json!({ "added": added }), text))
        }
        Cmd::Events { user, limit } => {
            let ev = provider.events(user.as_deref(), *limit)?;
            let text = ev.iter().map(event_line).collect::<Vec<_>>().join("\n");
            let list: Vec<serde_json::Value> = ev
                .iter()
                .map(|e| {
                    let mut v = serde_json::to_value(e).unwrap_or_default();
                    v["time"] = json!(local_time(e.at));
                    v
                })
                .collect();
            Ok((json!({ "events": list }), text))
        }
    }
}

/// Tells the administrator (on stderr, before any command's answer) about users whose names
/// differ only in case from an older user's: left so by the upgrade to case-insensitive names.
fn warn_of_name_clashes(provider: &Provider) {
    let Ok(clashes) = provider.name_clashes() else { return };
    for (name, holder) in clashes {
        eprintln!(
            "nyckel-idp: warning: users {name:?} and {holder:?} differ only in case: {name:?} signs in only when typed exactly so, any other spelling means {holder:?}; delete the one not in use (`nyckel-idp user delete NAME --yes`)"
        );
    }
}

/// Unix seconds in the administrator's time zone (`TZ`, else the system's) as ISO 8601 with
/// the offset ("2026-12-05T10:03:27+01:00"); UTC when no zone is found.
fn local_time(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t
            .to_zoned_datetime(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => unix.to_string(),
    }
}

fn user_line(u: &nyckel_idp::UserInfo, now: i64) -> String {
    let mut state = Vec::new();
    if let Some(at) = u.disabled_at {
        state.push(format!("disabled since {}", local_time(at)));
    }
    if u.blocked_until > now {
        state.push(format!("blocked by a report until {}", local_time(u.blocked_until)));
    }
    if u.pushes_muted_until > now {
        state.push(format!(
            "push notifications muted by a report until {}",
            local_time(u.pushes_muted_until)
        ));
    }
    if u.unanswered_pushes > 0 {
        state.push(format!("{} unanswered push(es)", u.unanswered_pushes));
    }
    let mut methods = vec![format!("{} phone(s)", u.active_devices)];
    if u.has_password {
        methods.push("password".into());
    }
    if u.one_time_codes {
        methods.push("one-time codes".into());
    }
    let state = if state.is_empty() { "active".to_owned() } else { state.join(", ") };
    format!("{}  added {}  {}  {state}", u.name, local_time(u.created_at), methods.join(", "))
}

fn device_line(d: &nyckel_idp::DeviceInfo) -> String {
    let state = match d.revoked_at {
        Some(at) => format!("revoked {}", local_time(at)),
        None => "active".to_owned(),
    };
    let used = match d.last_used_at {
        Some(at) => format!("last used {}", local_time(at)),
        None => "never used".to_owned(),
    };
    let signin = match (d.phone_signin, &d.phone_signin_attestation) {
        (true, Some(format)) => format!("  phone sign-in on (key attested: {format})"),
        (true, None) => "  phone sign-in on (key not attested)".to_owned(),
        (false, _) => String::new(),
    };
    format!(
        "{}  {}  added {}  {used}  {state}{signin}",
        d.device_id,
        d.name,
        local_time(d.created_at)
    )
}

fn event_line(e: &nyckel_idp::EventInfo) -> String {
    let mut line =
        format!("{}  {}  {}", local_time(e.at), e.user.as_deref().unwrap_or("-"), e.kind);
    for (label, value) in [("", &e.detail), ("ip ", &e.ip), ("app ", &e.app), ("place ", &e.place)]
    {
        if !value.is_empty() {
            line.push_str(&format!("  {label}{value}"));
        }
    }
    line
}

/// A new password: typed twice without echo on a terminal, else the first line of standard
/// input (never an argument: it would show in `ps` and shell history).
fn read_new_password(name: &str) -> Result<String, Error> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {name}: "))
            .map_err(|_| Error::BadRequest("no password typed".into()))?;
        let again = rpassword::prompt_password("Type it again: ")
            .map_err(|_| Error::BadRequest("no password typed".into()))?;
        if first != again {
            return Err(Error::BadRequest("the passwords differ; nothing was changed".into()));
        }
        return Ok(first);
    }
    let mut input = Vec::new();
    let limit = (nyckel_idp::MAX_PASSWORD + 2) as u64;
    std::io::stdin()
        .take(limit + 1)
        .read_to_end(&mut input)
        .map_err(|_| Error::BadRequest("cannot read the password from standard input".into()))?;
    if input.len() as u64 > limit {
        return Err(Error::BadRequest("the password is longer than 1024 bytes".into()));
    }
    let text = String::from_utf8(input)
        .map_err(|_| Error::BadRequest("the password is not UTF-8".into()))?;
    let line = text.split('\n').next().unwrap_or("");
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

fn eam_json(m: &EamMethod) -> serde_json::Value {
    json!({
        "clientId": m.client_id,
        "appId": m.app_id,
        "tenants": m.tenants,
        "redirectUri": m.redirect_uri,
        "issuerTemplate": m.issuer_template,
        "jwksUri": m.jwks_uri_template,
        "createdAt": m.created_at,
    })
}

fn key_line(k: &nyckel_idp::SigningKeyInfo) -> String {
    let state = match k.retired_at {
        Some(at) => format!("retired at {at}"),
        None => "published".to_owned(),
    };
    format!("{}  {}  created at {}  {state}", k.kid, k.alg.as_str(), k.created_at)
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
    if let Some(ttl) = a.request_ttl {
        cfg.request_ttl = ttl;
    }
    if let Some(days) = a.event_retention_days {
        cfg.retention.events = days * 86_400;
    }
    if let Some(n) = a.password_checks {
        cfg.server.hashing = n.into();
    }
    if !a.attestation_roots.is_empty() {
        let mut roots = Vec::new();
        for path in &a.attestation_roots {
            match read_roots(path) {
                Ok(certs) => roots.extend(certs),
                Err(e) => {
                    eprintln!("nyckel-idp: --require-key-attestation {e}");
                    return ExitCode::from(2);
                }
            }
        }
        let revocations = match a.android_revocations.as_deref().map(RevocationFile::open) {
            None => None,
            Some(Ok(file)) => Some(Arc::new(file)),
            Some(Err(e)) => {
                eprintln!("nyckel-idp: --android-revocation-list {e}");
                return ExitCode::from(2);
            }
        };
        cfg.key_attestation.android = Some(nyckel_idp::AndroidKeyPolicy {
            roots,
            revocations,
            require_verified_boot: a.android_verified_boot,
            apps: a.android_apps.clone(),
            min_os_patch_level: a.android_min_patch_level,
        });
    }
    if !a.app_attest_ids.is_empty() {
        let mut apple = nyckel_idp::AppAttestPolicy::apple(a.app_attest_ids.clone());
        apple.development = a.app_attest_development;
        if !a.app_attest_roots.is_empty() {
            apple.roots.clear();
            for path in &a.app_attest_roots {
                match read_roots(path) {
                    Ok(certs) => apple.roots.extend(certs),
                    Err(e) => {
                        eprintln!("nyckel-idp: --app-attest-root {e}");
                        return ExitCode::from(2);
                    }
                }
            }
        }
        cfg.key_attestation.apple = Some(apple);
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
    warn_of_name_clashes(&provider);
    // The ID token signing keys are made on first start (RSA generation takes a moment).
    if let Err(e) = provider.signing_keys() {
        return fail(cli.json, &e);
    }
    let json_out = cli.json;
    let r = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.addr).await?;
        let addr = listener.local_addr()?;
        let origin = cfg.origin.clone().unwrap_or_else(|| format!("http://{addr}"));
        let announce = move || {
            if json_out {
                println!("{}", json!({"listening": addr.to_string(), "origin": origin}));
            } else {
                eprintln!("nyckel-idp listening on {addr} ({origin})");
            }
        };
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        provider.serve(listener, announce, shutdown).await
    });
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nyckel-idp: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{read_roots, Cli, Cmd};

    #[test]
    fn the_request_lifetime_is_taken_only_between_5_and_120_seconds() {
        let ttl = |v: &str| {
            Cli::try_parse_from(["nyckel-idp", "serve", "--request-ttl", v]).map(|c| match c.cmd {
                Cmd::Serve(a) => a.request_ttl,
                _ => unreachable!("parsed as serve"),
            })
        };
        assert_eq!(ttl("5").unwrap(), Some(5));
        assert_eq!(ttl("120").unwrap(), Some(120));
        for refused in ["4", "0", "-1", "121", "soon"] {
            assert!(ttl(refused).is_err(), "--request-ttl {refused} refused");
        }
        let Cmd::Serve(a) = Cli::try_parse_from(["nyckel-idp", "serve"]).unwrap().cmd else {
            unreachable!("parsed as serve")
        };
        assert_eq!(a.request_ttl, None, "the configuration's default when not given");
    }

    #[test]
    fn the_event_retention_is_taken_in_whole_days_from_1_to_36500() {
        let days = |v: &str| {
            Cli::try_parse_from(["nyckel-idp", "serve", "--event-retention-days", v]).map(|c| {
                match c.cmd {
                    Cmd::Serve(a) => a.event_retention_days,
                    _ => unreachable!("parsed as serve"),
                }
            })
        };
        assert_eq!(days("1").unwrap(), Some(1));
        assert_eq!(days("36500").unwrap(), Some(36_500));
        for refused in ["0", "-1", "36501", "1.5", "forever"] {
            assert!(days(refused).is_err(), "--event-retention-days {refused} refused");
        }
        let Cmd::Serve(a) = Cli::try_parse_from(["nyckel-idp", "serve"]).unwrap().cmd else {
            unreachable!("parsed as serve")
        };
        assert_eq!(a.event_retention_days, None, "the configuration's default when not given");
        assert_eq!(nyckel_idp::Retention::default().events, 365 * 86_400);
    }

    #[test]
    fn password_checks_at_once_are_taken_between_1_and_1024() {
        let checks = |v: &str| {
            Cli::try_parse_from(["nyckel-idp", "serve", "--password-checks", v]).map(|c| {
                match c.cmd {
                    Cmd::Serve(a) => a.password_checks,
                    _ => unreachable!("parsed as serve"),
                }
            })
        };
        assert_eq!(checks("1").unwrap(), Some(1));
        assert_eq!(checks("1024").unwrap(), Some(1024));
        for refused in ["0", "-1", "1025", "many"] {
            assert!(checks(refused).is_err(), "--password-checks {refused} refused");
        }
    }

    #[test]
    fn attestation_roots_are_read_as_pem_blocks_or_one_der_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert =
            rcgen::CertificateParams::new(Vec::<String>::new()).unwrap().self_signed(&key).unwrap();
        let der = dir.path().join("root.der");
        std::fs::write(&der, cert.der()).unwrap();
        assert_eq!(read_roots(&der).unwrap(), vec![cert.der().to_vec()]);
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(cert.der());
        let lines: Vec<&str> =
            body.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
        let block = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        );
        let pem = dir.path().join("roots.pem");
        std::fs::write(&pem, format!("{block}{block}")).unwrap();
        assert_eq!(read_roots(&pem).unwrap(), vec![cert.der().to_vec(); 2]);
    }
}
