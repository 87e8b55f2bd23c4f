//! The account page's actions on the user's own methods: "Ta bort" per phone (with a warning
//! before the last one goes).

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use crate::admin::{self, Removal};
use crate::html::{esc, page};
use crate::model::DeviceId;
use crate::signin;
use crate::state::{status_of, AppState};
use crate::web::{
    cross_site_page, error_page_retry, same_origin, session_token, without_session, MAX_ID,
};

/// Routes of the account page's actions.
pub fn routes() -> Router<AppState> {
    Router::new().route("/account/devices/remove", post(remove_device))
}

#[derive(Deserialize)]
struct RemoveForm {
    device: String,
    /// Present once the user confirmed removing their last phone.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /account/devices/remove`: the signed-in user removes one of their phones.
async fn remove_device(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<RemoveForm>,
) -> Response {
    if !same_origin(&st, &headers) {
        return cross_site_page(&st);
    }
    let Some(token) = session_token(&headers) else {
        return Redirect::to("/signin").into_response();
    };
    if f.device.is_empty() || f.device.len() > MAX_ID {
        return error_page_retry(&st, StatusCode::BAD_REQUEST, "Okänd telefon.", "/account");
    }
    let device = f.device.clone();
    let confirmed = f.confirm.is_some();
    let r = st
        .run(move |c, s| {
            let Some((_, name)) = signin::session_user(c, &token, s.cfg.clock.now())? else {
                return Ok(None);
            };
            let removal =
                admin::remove_own_device(c, &s.cfg, &name, &DeviceId::new(device), confirmed)?;
            Ok(Some(removal))
        })
        .await;
    match r {
        Ok(None) => Redirect::to("/signin").into_response(),
        Ok(Some(Removal::NeedsConfirmation)) => last_phone_warning(&st, &f.device),
        Ok(Some(Removal::Removed)) => {
            let body = "<h1 id=\"removed\">Telefonen är borttagen</h1>\
                <p>Den kan inte längre godkänna inloggningar, och du har loggats ut överallt.</p>\
                <a class=\"button\" href=\"/signin\">Logga in igen</a>";
            without_session(
                Html(page(&st.provider.issuer, "Telefonen är borttagen", body)).into_response(),
            )
        }
        Err(e) => {
            error_page_retry(&st, status_of(&e), "Telefonen kunde inte tas bort.", "/account")
        }
    }
}

/// The warning before the user's only phone is removed, with the confirming form.
fn last_phone_warning(st: &AppState, device: &str) -> Response {
    let body = format!(
        r#"<h1>Ta bort din enda telefon?</h1>
<p class="error" id="remove-warning">Det här är den enda telefonen på kontot. Tar du bort den kan du inte logga in igen förrän administratören ger dig en ny registreringskod. Lägg hellre till den nya telefonen först och ta bort den gamla sedan.</p>
<form method="post" action="/account/devices/remove"><input type="hidden" name="device" value="{device}"><input type="hidden" name="confirm" value="1"><button type="submit" id="confirm-remove">Ta bort ändå</button></form>
<a class="button secondary" href="/account" id="cancel-remove">Avbryt</a>"#,
        device = esc(device)
    );
    let mut resp = Html(page(&st.provider.issuer, "Ta bort telefon", &body)).into_response();
    *resp.status_mut() = StatusCode::CONFLICT;
    resp
}
