//! The one-time-code parts of the pages (rendering only): the number page's "Använd en
//! verifieringskod", the code form, the account page's activation, and what a refused code is
//! told. The handlers are in `code_web.rs`.

use axum::http::StatusCode;

use crate::html::{esc, page_in};
use crate::i18n::{text, Lang, Msg};
use crate::otp::{CodeMethod, CodeRefusal};
use crate::signin::Started;

/// Longest code field accepted (a pasted code with spaces).
pub(crate) const MAX_CODE: usize = 16;

/// The hidden field that carries a waiting authorization request through the pages.
pub(crate) fn authz_input(authz: &str) -> String {
    format!(r#"<input type="hidden" name="authz" value="{}">"#, esc(authz))
}

/// The number page's "Använd en verifieringskod": a form carrying the push request, its
/// status token (held only by the browser that typed the password) and a waiting
/// authorization request.
pub(crate) fn use_code_form(lang: Lang, s: &Started, authz: Option<&str>) -> String {
    format!(
        r#"<form method="post" action="/signin/code" id="other-way">{hidden}
  <button type="submit" class="secondary" id="use-code">{label}</button>
</form>"#,
        hidden = request_fields(&s.id, &s.status_token, authz),
        label = esc(lang.t(Msg::UseCode)),
    )
}

pub(crate) fn request_fields(id: &str, token: &str, authz: Option<&str>) -> String {
    format!(
        r#"<input type="hidden" name="request" value="{}"><input type="hidden" name="t" value="{}">{}"#,
        esc(id),
        esc(token),
        authz.map(authz_input).unwrap_or_default()
    )
}

/// The account page's part for the user's one-time code: the form that confirms it once a
/// phone is enrolled, or that it is a sign-in method.
pub(crate) fn account_section_in(lang: Lang, method: CodeMethod, has_phone: bool) -> String {
    let t = |m| esc(lang.t(m));
    match method {
        CodeMethod::None => String::new(),
        CodeMethod::Unconfirmed if !has_phone => String::new(),
        CodeMethod::Unconfirmed => format!(
            r#"<h2>{}</h2>
<p id="code-pending">{}</p>
{}"#,
            t(Msg::FinishActivation),
            t(Msg::FinishActivationHow),
            code_form(lang, "/account/code", "otp-code", "confirm-otp", Msg::Activate, "")
        ),
        CodeMethod::Confirmed => {
            format!(r#"<p class="meta" id="code-status">{}</p>"#, t(Msg::CodeActive))
        }
    }
}

/// The sign-in's code page (`POST /signin/code`'s form) for request `(id, token, authz)`: the
/// heading, how to find the code, `error` (why the last one was refused) and the form;
/// `retry`: where its language switch starts over (a POST's answer cannot be fetched again).
pub(crate) fn code_page(
    lang: Lang,
    issuer: &str,
    (id, token, authz): (&str, &str, Option<&str>),
    retry: &str,
    error: Option<String>,
) -> String {
    let t = |m| esc(lang.t(m));
    let error = error
        .map(|m| format!(r#"<p class="error" id="error" role="alert">{}</p>"#, esc(&m)))
        .unwrap_or_default();
    let form = code_form(
        lang,
        "/signin/code",
        "code",
        "verify",
        Msg::Verify,
        &request_fields(id, token, authz),
    );
    let body = format!(
        r#"<h1>{heading}</h1>
<p>{how}</p>
{error}{form}"#,
        heading = t(Msg::EnterCode),
        how = t(Msg::CodeHow),
    );
    page_in(lang, issuer, retry, lang.t(Msg::CodeTitle), &body)
}

/// A form asking for a six-digit code.
pub(crate) fn code_form(
    lang: Lang,
    action: &str,
    input: &str,
    button: &str,
    label: Msg,
    hidden: &str,
) -> String {
    let (field, label) = (esc(lang.t(Msg::CodeLabel)), esc(lang.t(label)));
    format!(
        r#"<form method="post" action="{action}">{hidden}
  <label for="{input}">{field}</label>
  <input type="text" id="{input}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="{MAX_CODE}" autofocus required>
  <button type="submit" id="{button}">{label}</button>
</form>"#
    )
}

/// What the user is told about a refused code (`now`: to say when a limit lifts).
pub(crate) fn refusal_text(lang: Lang, r: CodeRefusal, now: i64) -> String {
    let fixed = |m| lang.t(m).to_owned();
    match r {
        CodeRefusal::Wrong => fixed(Msg::CodeWrong),
        CodeRefusal::Reused => fixed(Msg::CodeReused),
        CodeRefusal::Limited { until } => {
            let minutes = ((until - now).max(1) + 59) / 60;
            text::code_limited(lang, minutes, &clock_time(until))
        }
        CodeRefusal::Unavailable => fixed(Msg::CodeUnavailable),
        CodeRefusal::RequestOver => fixed(Msg::CodeRequestOver),
    }
}

pub(crate) fn refusal_status(r: CodeRefusal) -> StatusCode {
    match r {
        CodeRefusal::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
        CodeRefusal::Unavailable | CodeRefusal::RequestOver => StatusCode::CONFLICT,
        CodeRefusal::Wrong | CodeRefusal::Reused => StatusCode::UNAUTHORIZED,
    }
}

/// `HH:MM` (UTC) of a Unix time.
fn clock_time(t: i64) -> String {
    let secs = t.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_says_when_it_lifts() {
        let limited = CodeRefusal::Limited { until: 8 * 3600 + 15 * 60 };
        let text = refusal_text(Lang::Sv, limited, 8 * 3600);
        assert!(text.contains("om 15 min (kl. 08:15 UTC)"), "{text}");
        let text = refusal_text(Lang::En, limited, 8 * 3600);
        assert!(text.contains("in 15 min (at 08:15 UTC)"), "{text}");
        let text = refusal_text(Lang::Sv, CodeRefusal::Limited { until: 100 }, 99);
        assert!(text.contains("om 1 min"), "{text}");
    }
}
