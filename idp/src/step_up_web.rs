//! The account page's step-up pages (handlers; `step_up.rs` has the rules): before "Jag har
//! tappat telefonen" revokes a phone, before "Ta bort" removes a phone or the one-time code
//! (`removal.rs`), and before "Lägg till metod" adds a phone or a one-time code to a user who
//! already has a method. The choice, the approval by a phone with number
//! matching, the password and one-time code, and the outcome. Every action is a same-origin
//! POST with a session.

use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::account_web::{add_code_page, add_phone_page};
use crate::admin;
use crate::code_html::{refusal_status, refusal_text, MAX_CODE};
use crate::error::Error;
use crate::html::{esc, page_in};
use crate::i18n::{text, AccountMsg as M, Lang};
use crate::lost;
use crate::model::{DeviceId, UserId};
use crate::otp::{self, AddedCode};
use crate::removal::{self, Removed, Target};
use crate::signin::{self, SigninFrom};
use crate::state::{client_ip, status_of, AppState};
use crate::step_up::{self, Adding, Checked, Purpose, StepUps};
use crate::storage::Store;
use crate::web::{error_in, location_of, own_session_post, start_error, without_session, MAX_ID};

/// Routes of "Jag har tappat telefonen", "Ta bort" and "Lägg till metod".
pub(crate) fn routes() -> Router<AppState> {
    let mut routes = Router::new();
    for flow in [Flow::Lost, Flow::Remove, Flow::Add] {
        let base = flow.base();
        routes = routes
            .route(
                base,
                post(move |s: State<AppState>, l: Lang, c: Ip, h: HeaderMap, f: StepUp| {
                    choose(flow, s, l, c, h, f)
                }),
            )
            .route(
                &format!("{base}/approve"),
                post(move |s: State<AppState>, l: Lang, c: Ip, h: HeaderMap, f: StepUp| {
                    approve(flow, s, l, c, h, f)
                }),
            )
            .route(
                &format!("{base}/confirm"),
                post(move |s: State<AppState>, l: Lang, c: Ip, h: HeaderMap, f: StepUp| {
                    confirm(flow, s, l, c, h, f)
                }),
            )
            .route(
                &format!("{base}/code"),
                post(move |s: State<AppState>, l: Lang, c: Ip, h: HeaderMap, f: StepUp| {
                    with_code(flow, s, l, c, h, f)
                }),
            );
    }
    routes
}

type Ip = ConnectInfo<SocketAddr>;
type StepUp = Form<StepUpForm>;

/// Which step-up pages: a lost phone's (the form names the `device`), removing a method
/// (`device`, or `method=code`; `confirm=1` once the last-method warning was shown), or adding
/// a method (the form names the `method`: `phone` or `code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Lost,
    Remove,
    Add,
}

/// The texts that differ between the two flows.
struct Texts {
    title: M,
    what: M,
    why: M,
    by_phone: M,
    by_code: M,
    number_title: M,
    number_how: M,
    still_waiting: M,
    app: M,
    not_approved: M,
    by_new_phone: M,
    wrong_password: M,
    failed: M,
}

const LOST: Texts = Texts {
    title: M::Lost,
    what: M::LostWhat,
    why: M::LostWhy,
    by_phone: M::LostByPhone,
    by_code: M::LostByCode,
    number_title: M::LostNumberTitle,
    number_how: M::LostNumberHow,
    still_waiting: M::LostStillWaiting,
    app: M::LostApp,
    not_approved: M::LostNotApproved,
    by_new_phone: M::LostByNewPhone,
    wrong_password: M::LostWrongPassword,
    failed: M::LostFailed,
};

const REMOVE: Texts = Texts {
    title: M::RemoveTitle,
    what: M::RemoveWhat,
    why: M::RemoveWhy,
    by_phone: M::RemoveByPhone,
    by_code: M::RemoveByCode,
    number_title: M::RemoveNumberTitle,
    number_how: M::RemoveNumberHow,
    still_waiting: M::RemoveStillWaiting,
    app: M::RemoveApp,
    not_approved: M::RemoveNotApproved,
    by_new_phone: M::RemoveByNewPhone,
    wrong_password: M::RemoveWrongPassword,
    failed: M::RemoveMethodFailed,
};

const ADD: Texts = Texts {
    title: M::AddMethod,
    what: M::AddWhat,
    why: M::AddWhy,
    by_phone: M::AddByPhone,
    by_code: M::AddByCode,
    number_title: M::AddNumberTitle,
    number_how: M::AddNumberHow,
    still_waiting: M::AddStillWaiting,
    app: M::AddApp,
    not_approved: M::AddNotApproved,
    by_new_phone: M::AddByNewPhone,
    wrong_password: M::AddWrongPassword,
    failed: M::AddFailed,
};

impl Flow {
    /// The path its forms post to.
    fn base(self) -> &'static str {
        match self {
            Flow::Lost => "/account/devices/lost",
            Flow::Remove => "/account/remove",
            Flow::Add => "/account/add",
        }
    }

    /// The prefix of its pages' element ids.
    fn id(self) -> &'static str {
        match self {
            Flow::Lost => "lost",
            Flow::Remove => "remove",
            Flow::Add => "add",
        }
    }

    fn texts(self) -> &'static Texts {
        match self {
            Flow::Lost => &LOST,
            Flow::Remove => &REMOVE,
            Flow::Add => &ADD,
        }
    }

    /// The purpose a form names, if it is one of this flow's.
    fn purpose(self, f: &StepUpForm) -> Option<Purpose> {
        match self {
            Flow::Lost if !f.device.is_empty() && f.device.len() <= MAX_ID => {
                Some(Purpose::Lost(DeviceId::new(f.device.clone())))
            }
            Flow::Lost => None,
            Flow::Remove => {
                let warned = f.confirm == "1";
                match f.method.as_str() {
                    "code" => Some(Purpose::RemoveCode { warned }),
                    "" if !f.device.is_empty() && f.device.len() <= MAX_ID => {
                        Some(Purpose::RemovePhone {
                            device: DeviceId::new(f.device.clone()),
                            warned,
                        })
                    }
                    _ => None,
                }
            }
            Flow::Add => match f.method.as_str() {
                "phone" => Some(Purpose::AddPhone),
                "code" => Some(Purpose::AddCode),
                _ => None,
            },
        }
    }
}

/// The hidden field that carries a step-up's purpose through its pages.
fn purpose_field(purpose: &Purpose) -> String {
    let (name, value, warned) = match purpose {
        Purpose::Lost(device) => ("device", device.as_str(), false),
        Purpose::AddPhone => ("method", "phone", false),
        Purpose::AddCode => ("method", "code", false),
        Purpose::RemovePhone { device, warned } => ("device", device.as_str(), *warned),
        Purpose::RemoveCode { warned } => ("method", "code", *warned),
    };
    let confirm = if warned { r#"<input type="hidden" name="confirm" value="1">"# } else { "" };
    format!(r#"<input type="hidden" name="{name}" value="{}">{confirm}"#, esc(value))
}

/// Every field any step-up page posts (each action reads its own).
#[derive(Deserialize)]
struct StepUpForm {
    #[serde(default)]
    device: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    t: String,
    /// The number the page showed (display only; never checked).
    #[serde(default)]
    n: u8,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    /// `1` once the page showed the last-method warning (removals).
    #[serde(default)]
    confirm: String,
}

/// The checks every action makes first: same origin, a session token, a purpose of the flow.
fn guard(
    st: &AppState,
    lang: Lang,
    flow: Flow,
    headers: &HeaderMap,
    f: &StepUpForm,
) -> Result<(String, Purpose), Box<Response>> {
    let token = own_session_post(st, lang, headers)?;
    let Some(purpose) = flow.purpose(f) else {
        let msg = lang.t(match flow {
            Flow::Lost | Flow::Remove => M::UnknownPhone,
            Flow::Add => M::AddFailed,
        });
        return Err(Box::new(error_in(st, lang, StatusCode::BAD_REQUEST, msg, "/account")));
    };
    Ok((token, purpose))
}

/// The signed-in user of `token`, or `None`.
fn user_of(c: &dyn Store, s: &AppState, token: &str) -> Result<Option<(UserId, String)>, Error> {
    signin::session_user(c, token, s.cfg.clock.now())
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}

fn failed(st: &AppState, lang: Lang, flow: Flow, e: &Error) -> Response {
    let t = |m| lang.t(m);
    match e {
        Error::NotFound("device") => {
            error_in(st, lang, StatusCode::NOT_FOUND, t(M::UnknownPhone), "/account")
        }
        Error::NotFound("one-time code") => {
            error_in(st, lang, StatusCode::NOT_FOUND, t(M::RemoveCodeFailed), "/account")
        }
        Error::NotFound(_) => {
            error_in(st, lang, StatusCode::NOT_FOUND, t(flow.texts().not_approved), "/account")
        }
        Error::TooManyAttempts { .. } | Error::PasswordLocked | Error::RateLimited => {
            start_error(st, lang, e, "/account")
        }
        _ => error_in(st, lang, status_of(e), t(flow.texts().failed), "/account"),
    }
}

/// What the choice page shows besides the step-ups.
enum Choice {
    /// Losing this phone (its name), the user's last one when `ups.other_phones` is 0.
    Lost(String),
    /// Removing a method: the phone's name, or the one-time code; its last warning.
    Remove(Target),
    /// Adding a method; the user has one already.
    Add,
}

/// What an add action gives without a step-up: the user has no method yet.
enum Direct {
    Phone {
        uri: String,
        active: usize,
    },
    Code(AddedCode),
    /// No method, but the session began with one: it cannot add the first.
    SignInAgain,
}

/// `POST …` (the flow's base path): what happens, and the step-ups the user has; adding a
/// first method needs none and shows it at once.
async fn choose(
    flow: Flow,
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<StepUpForm>,
) -> Response {
    let (token, purpose) = match guard(&st, lang, flow, &headers, &f) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let ip = client_ip(&ci, &headers);
    let p = purpose.clone();
    let r = st
        .run(move |c, s| {
            let Some((user, name)) = user_of(c, s, &token)? else { return Ok(None) };
            let choice = match &p {
                Purpose::Lost(device) => {
                    let l = lost::step_ups(c, &name, &token, device)?;
                    (Choice::Lost(l.phone), l.ups)
                }
                Purpose::RemovePhone { .. } | Purpose::RemoveCode { .. } => {
                    let target = removal::target(c, &name, &p)?;
                    (Choice::Remove(target), step_up::step_ups(c, &name, &token, None)?)
                }
                Purpose::AddPhone | Purpose::AddCode => match step_up::adding(c, &name, &token)? {
                    Adding::First => {
                        return added(c, s, (&user, &name), &p, &ip).map(|d| Some(Err(d)));
                    }
                    Adding::NotThisSession => return Ok(Some(Err(Direct::SignInAgain))),
                    Adding::AfterStepUp => {
                        (Choice::Add, step_up::step_ups(c, &name, &token, None)?)
                    }
                },
            };
            Ok(Some(Ok((name, choice))))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Ok((name, (choice, ups))))) => {
            // The step-up's forms carry that the user has seen the last-method warning.
            let purpose = match (&choice, purpose) {
                (Choice::Remove(Target { last: true, .. }), p) => warned(p),
                (_, p) => p,
            };
            choice_page(&st, lang, flow, &purpose, &name, &choice, &ups)
        }
        Ok(Some(Err(direct))) => direct_page(&st, lang, direct),
        Err(e) => failed(&st, lang, flow, &e),
    }
}

/// Adds the method of `purpose` (after a passed step-up, or as the first method).
fn added(
    c: &dyn Store,
    s: &AppState,
    (user, name): (&UserId, &str),
    purpose: &Purpose,
    ip: &str,
) -> Result<Direct, Error> {
    match purpose {
        Purpose::AddPhone => {
            let enrollment = admin::issue_enrollment_with(c, &s.cfg, name, false)?;
            let devices = admin::list_devices(c, name)?;
            let active = devices.iter().filter(|d| d.revoked_at.is_none()).count();
            Ok(Direct::Phone { uri: enrollment.enroll_uri, active })
        }
        Purpose::AddCode => {
            Ok(Direct::Code(otp::add_method(c, user, name, ip, s.cfg.clock.now())?))
        }
        Purpose::Lost(_) | Purpose::RemovePhone { .. } | Purpose::RemoveCode { .. } => {
            Err(Error::Internal)
        }
    }
}

/// A removal's purpose once the page has shown the last-method warning.
fn warned(purpose: Purpose) -> Purpose {
    match purpose {
        Purpose::RemovePhone { device, .. } => Purpose::RemovePhone { device, warned: true },
        Purpose::RemoveCode { .. } => Purpose::RemoveCode { warned: true },
        other => other,
    }
}

fn direct_page(st: &AppState, lang: Lang, direct: Direct) -> Response {
    match direct {
        Direct::Phone { uri, active } => add_phone_page(st, lang, &uri, active),
        Direct::Code(AddedCode::Confirm(uri)) => add_code_page(st, lang, &uri),
        Direct::Code(AddedCode::AlreadyActive) => {
            let msg = lang.t(M::AddCodeActive);
            error_in(st, lang, StatusCode::CONFLICT, msg, "/account")
        }
        Direct::SignInAgain => {
            let msg = lang.t(M::AddSignInAgain);
            error_in(st, lang, StatusCode::CONFLICT, msg, "/account")
        }
    }
}

fn choice_page(
    st: &AppState,
    lang: Lang,
    flow: Flow,
    purpose: &Purpose,
    name: &str,
    choice: &Choice,
    ups: &StepUps,
) -> Response {
    let t = |m| lang.t(m);
    let (texts, id, base) = (flow.texts(), flow.id(), flow.base());
    let field = purpose_field(purpose);
    let last = match choice {
        Choice::Lost(_) if ups.other_phones == 0 => {
            format!(r#"<p class="error" id="lost-last">{}</p>"#, t(M::LostLast))
        }
        Choice::Remove(Target { phone: Some(_), last: true }) => {
            format!(r#"<p class="error" id="remove-warning">{}</p>"#, t(M::LastWarning))
        }
        Choice::Remove(Target { phone: None, last: true }) => {
            format!(r#"<p class="error" id="remove-otp-warning">{}</p>"#, t(M::RemoveCodeLast))
        }
        Choice::Lost(_) | Choice::Remove(_) | Choice::Add => String::new(),
    };
    let by_phone = if ups.other_phones > 0 {
        format!(
            r#"<form method="post" action="{base}/approve">{field}<button type="submit" id="{id}-approve">{}</button></form>"#,
            t(texts.by_phone)
        )
    } else {
        String::new()
    };
    let by_code = if ups.password_and_code {
        format!(
            r#"<h2>{heading}</h2>
<form method="post" action="{base}/code">{field}
  <label for="{id}-password">{password}</label>
  <input type="password" id="{id}-password" name="password" autocomplete="current-password" required>
  <label for="{id}-otp">{code}</label>
  <input type="text" id="{id}-otp" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="{MAX_CODE}" required>
  <button type="submit" id="{id}-code">{button}</button>
</form>"#,
            heading = t(M::LostByCodeHeading),
            password = t(M::Password),
            code = t(M::OneTimeCode),
            button = t(texts.by_code),
        )
    } else {
        String::new()
    };
    let none = match choice {
        _ if ups.any() => String::new(),
        Choice::Lost(_) => text::lost_no_method(lang, &esc(name)),
        Choice::Remove(_) => t(M::RemoveNoMethod).to_owned(),
        Choice::Add => t(M::AddNoMethod).to_owned(),
    };
    let none = if none.is_empty() {
        none
    } else {
        format!(r#"<p class="error" id="{id}-no-method">{none}</p>"#)
    };
    let heading = match (choice, purpose) {
        (Choice::Lost(phone), _) => text::lost_heading(lang, &esc(phone)),
        (Choice::Remove(Target { phone: Some(_), last: true }), _) => t(M::LastHeading).to_owned(),
        (Choice::Remove(Target { phone: Some(phone), .. }), _) => {
            text::remove_heading(lang, &esc(phone))
        }
        (Choice::Remove(Target { phone: None, .. }), _) => t(M::RemoveCodeHeading).to_owned(),
        (Choice::Add, Purpose::AddCode) => t(M::AddCode).to_owned(),
        (Choice::Add, _) => t(M::AddPhoneHeading).to_owned(),
    };
    let body = format!(
        r#"<h1>{heading}</h1>
<p id="{id}-what">{what}</p>
<p>{why}</p>
{last}{none}{by_phone}{by_code}
<a class="button secondary" href="/account" id="{id}-cancel">{cancel}</a>"#,
        what = t(match choice {
            Choice::Remove(Target { phone: None, .. }) => M::RemoveCodeText,
            Choice::Lost(_) | Choice::Remove(_) | Choice::Add => texts.what,
        }),
        why = t(texts.why),
        cancel = t(M::Cancel),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(texts.title), &body);
    let mut resp = Html(html).into_response();
    if !ups.any() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// `POST …/approve`: starts the approval by another phone.
async fn approve(
    flow: Flow,
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<StepUpForm>,
) -> Response {
    let (token, purpose) = match guard(&st, lang, flow, &headers, &f) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let ip = client_ip(&ci, &headers);
    let app = lang.t(flow.texts().app).to_owned();
    let from = SigninFrom { app, location: location_of(lang, &ip), ip };
    let browser = signin::BrowserStart {
        known: crate::web::cookie(&headers, crate::known_browser::COOKIE),
        started: None,
    };
    let p = purpose.clone();
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = user_of(c, s, &token)? else { return Ok(None) };
            still_there(c, &name, &token, &p)?;
            let who = (name.as_str(), token.as_str());
            Ok(Some(step_up::start_approval(c, &s.cfg, who, &p, &from, &browser)?))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Some(started))) => {
            let request = (started.id.as_str(), started.status_token.as_str(), started.number);
            number_page(&st, lang, flow, &purpose, request, None)
        }
        Ok(Some(None)) => {
            let msg = lang.t(flow.texts().not_approved);
            error_in(&st, lang, StatusCode::CONFLICT, msg, "/account")
        }
        Err(e) => failed(&st, lang, flow, &e),
    }
}

/// The number to type on the other phone, and "Jag har godkänt" (no script: the form posts
/// the request back; the number travels only for showing it again).
fn number_page(
    st: &AppState,
    lang: Lang,
    flow: Flow,
    purpose: &Purpose,
    (request, token, number): (&str, &str, u8),
    waiting: Option<&str>,
) -> Response {
    let t = |m| lang.t(m);
    let (texts, id, base) = (flow.texts(), flow.id(), flow.base());
    let status = waiting
        .map(|m| format!(r#"<p class="status" id="{id}-waiting" role="status">{m}</p>"#))
        .unwrap_or_default();
    let body = format!(
        r#"<h1>{title}</h1>
<p>{how}</p>
<h2 class="sr-only">{label}</h2>
<div class="number" id="{id}-number">{number}</div>
{status}
<form method="post" action="{base}/confirm">{field}<input type="hidden" name="request" value="{request}"><input type="hidden" name="t" value="{token}"><input type="hidden" name="n" value="{number}"><button type="submit" id="{id}-confirm">{approved}</button></form>
<a class="button secondary" href="/account" id="{id}-cancel">{cancel}</a>"#,
        title = t(texts.number_title),
        how = t(texts.number_how),
        label = t(M::NumberLabel),
        approved = t(M::LostApproved),
        cancel = t(M::Cancel),
        field = purpose_field(purpose),
        request = esc(request),
        token = esc(token),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(texts.number_title), &body);
    let mut resp = Html(html).into_response();
    if waiting.is_some() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    no_store(resp)
}

/// [`Error::NotFound`] unless what `purpose` is about is still the user's: the lost or removed
/// phone one of their active phones, the removed code confirmed.
fn still_there(c: &dyn Store, name: &str, token: &str, purpose: &Purpose) -> Result<(), Error> {
    match purpose {
        Purpose::Lost(device) => lost::step_ups(c, name, token, device).map(drop),
        Purpose::RemovePhone { .. } | Purpose::RemoveCode { .. } => {
            removal::target(c, name, purpose).map(drop)
        }
        Purpose::AddPhone | Purpose::AddCode => Ok(()),
    }
}

/// What a step-up action ends in.
enum Done {
    /// The lost phone is revoked.
    Revoked,
    /// The phone (`true`: the one-time code) is removed.
    Removed(bool),
    /// The step-up passed, but the method is now the user's last: warn, then start over.
    Warn(Purpose),
    /// The method is added (or, for a code, already active).
    Added(Direct),
    /// The step-up did not pass.
    Not(Checked),
}

/// After a check: the flow's action if it passed.
fn act(
    c: &dyn Store,
    s: &AppState,
    who: (&UserId, &str),
    purpose: &Purpose,
    checked: Checked,
    ip: &str,
) -> Result<Done, Error> {
    match purpose {
        Purpose::Lost(device) => match lost::revoke_if_passed(c, &s.cfg, who, device, checked, ip)?
        {
            Checked::Passed(_) => Ok(Done::Revoked),
            other => Ok(Done::Not(other)),
        },
        Purpose::RemovePhone { .. } | Purpose::RemoveCode { .. } => {
            Ok(match removal::remove_if_passed(c, &s.cfg, who, purpose, checked, ip)? {
                Removed::Done => Done::Removed(matches!(purpose, Purpose::RemoveCode { .. })),
                Removed::NeedsWarning => Done::Warn(warned(purpose.clone())),
                Removed::Not(checked) => Done::Not(checked),
            })
        }
        Purpose::AddPhone | Purpose::AddCode => {
            let Checked::Passed(how) = checked else { return Ok(Done::Not(checked)) };
            step_up::passed(c, &s.cfg, who.0, purpose, how, ip)?;
            added(c, s, who, purpose, ip).map(Done::Added)
        }
    }
}

/// `POST …/confirm`: acts if another phone approved.
async fn confirm(
    flow: Flow,
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<StepUpForm>,
) -> Response {
    let (token, purpose) = match guard(&st, lang, flow, &headers, &f) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    if f.request.is_empty() || f.request.len() > MAX_ID || f.t.len() > MAX_ID {
        let msg = lang.t(flow.texts().not_approved);
        return error_in(&st, lang, StatusCode::BAD_REQUEST, msg, "/account");
    }
    let ip = client_ip(&ci, &headers);
    let (id, status_token, p) = (f.request.clone(), f.t.clone(), purpose.clone());
    let r = st
        .run(move |c, s| {
            let Some((user, name)) = user_of(c, s, &token)? else { return Ok(None) };
            still_there(c, &name, &token, &p)?;
            let who = (&user, name.as_str());
            let request = (id.as_str(), status_token.as_str());
            let checked = step_up::check_approval(c, &s.cfg, who, &p, &token, request, &ip)?;
            act(c, s, who, &p, checked, &ip).map(Some)
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Done::Not(Checked::Waiting))) => {
            let waiting = Some(lang.t(flow.texts().still_waiting));
            let request = (f.request.as_str(), f.t.as_str(), f.n);
            number_page(&st, lang, flow, &purpose, request, waiting)
        }
        Ok(Some(done)) => outcome_page(&st, lang, flow, done),
        Err(e) => failed(&st, lang, flow, &e),
    }
}

/// `POST …/code`: acts after the password and a one-time code.
async fn with_code(
    flow: Flow,
    State(st): State<AppState>,
    lang: Lang,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<StepUpForm>,
) -> Response {
    let (token, purpose) = match guard(&st, lang, flow, &headers, &f) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    if f.password.len() > admin::MAX_PASSWORD || f.code.len() > MAX_CODE {
        return outcome_page(&st, lang, flow, Done::Not(Checked::WrongPassword));
    }
    let ip = client_ip(&ci, &headers);
    let known = crate::web::cookie(&headers, crate::known_browser::COOKIE);
    // Argon2id takes 19 MiB: only so many checks at once.
    let slot = match st.hashing.slot().await {
        Ok(slot) => slot,
        Err(e) => return failed(&st, lang, flow, &e),
    };
    let r = st
        .run(move |c, s| {
            let _slot = slot;
            let Some((user, name)) = user_of(c, s, &token)? else { return Ok(None) };
            still_there(c, &name, &token, &purpose)?;
            let who = (&user, name.as_str());
            let secrets = (f.password.as_str(), f.code.as_str());
            let from = crate::guessing::AttemptFrom { ip: &ip, known_browser: known.as_deref() };
            let checked =
                step_up::check_password_and_code(c, &s.cfg, who, &purpose, &token, secrets, &from)?;
            act(c, s, who, &purpose, checked, &ip).map(Some)
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(done)) => outcome_page(&st, lang, flow, done),
        Err(e) => failed(&st, lang, flow, &e),
    }
}

/// The page for a step-up's outcome (other than still waiting).
fn outcome_page(st: &AppState, lang: Lang, flow: Flow, done: Done) -> Response {
    let t = |m| lang.t(m);
    let texts = flow.texts();
    let checked = match done {
        Done::Revoked => {
            let body = format!(
                r#"<h1 id="lost-done">{}</h1><p>{}</p><a class="button" href="/signin">{}</a>"#,
                t(M::LostDoneTitle),
                t(M::LostDoneText),
                t(M::SignInAgain)
            );
            let html = page_in(lang, &st.provider.issuer, "/signin", t(M::LostDoneTitle), &body);
            let resp = Html(html).into_response();
            return without_session(no_store(resp));
        }
        Done::Removed(code) => {
            let (id, title, text) = match code {
                false => ("removed", M::RemovedTitle, M::RemovedText),
                true => ("removed-otp", M::RemovedCodeTitle, M::RemovedCodeText),
            };
            let body = format!(
                r#"<h1 id="{id}">{}</h1><p>{}</p><a class="button" href="/signin">{}</a>"#,
                t(title),
                t(text),
                t(M::SignInAgain)
            );
            let html = page_in(lang, &st.provider.issuer, "/signin", t(title), &body);
            return without_session(no_store(Html(html).into_response()));
        }
        Done::Warn(purpose) => return became_last(st, lang, &purpose),
        Done::Added(direct) => return direct_page(st, lang, direct),
        Done::Not(checked) => checked,
    };
    let id = flow.id();
    let (status, what, msg) = match checked {
        Checked::ApprovedByExcluded if flow == Flow::Lost => {
            (StatusCode::FORBIDDEN, "by-lost-phone", t(M::LostByLostPhone).to_owned())
        }
        Checked::Passed(_)
        | Checked::Waiting
        | Checked::NotApproved
        | Checked::Unavailable
        | Checked::ApprovedByExcluded => {
            (StatusCode::CONFLICT, "not-approved", t(texts.not_approved).to_owned())
        }
        Checked::ApprovedByNewPhone => {
            (StatusCode::FORBIDDEN, "by-new-phone", t(texts.by_new_phone).to_owned())
        }
        Checked::WrongPassword => {
            (StatusCode::UNAUTHORIZED, "wrong-password", t(texts.wrong_password).to_owned())
        }
        Checked::Code(r) => {
            (refusal_status(r), "code-refused", refusal_text(lang, r, st.cfg.clock.now()))
        }
    };
    let body = format!(
        r#"<h1>{title}</h1><p class="error" id="{id}-{what}" role="alert">{msg}</p><a class="button" href="/account">{back}</a>"#,
        title = t(texts.title),
        msg = esc(&msg),
        back = t(M::Cancel),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(texts.title), &body);
    let mut resp = Html(html).into_response();
    *resp.status_mut() = status;
    no_store(resp)
}

/// The method became the user's last while the step-up ran (another removal), or the page had
/// not warned: nothing was removed; the warning, and "Ta bort ändå", which starts the step-up
/// over with the warning seen.
fn became_last(st: &AppState, lang: Lang, purpose: &Purpose) -> Response {
    let t = |m| lang.t(m);
    let (heading, warning, id) = match purpose {
        Purpose::RemoveCode { .. } => {
            (M::RemoveCodeHeading, M::RemoveCodeLast, "remove-otp-warning")
        }
        _ => (M::LastHeading, M::LastWarning, "remove-warning"),
    };
    let body = format!(
        r#"<h1>{heading}</h1>
<p class="error" id="{id}">{warning}</p>
<form method="post" action="/account/remove">{field}<button type="submit" id="confirm-remove">{anyway}</button></form>
<a class="button secondary" href="/account" id="cancel-remove">{cancel}</a>"#,
        heading = t(heading),
        warning = t(warning),
        field = purpose_field(purpose),
        anyway = t(M::RemoveAnyway),
        cancel = t(M::Cancel),
    );
    let html = page_in(lang, &st.provider.issuer, "/account", t(M::RemoveTitle), &body);
    let mut resp = Html(html).into_response();
    *resp.status_mut() = StatusCode::CONFLICT;
    no_store(resp)
}
