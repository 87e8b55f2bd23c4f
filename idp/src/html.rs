//! Tiny HTML helpers: escaping and the page layout.

use crate::i18n::{Lang, Msg};

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages' one style sheet (inline; the CSP allows it by its hash). Two palettes, light and
/// (`prefers-color-scheme: dark`) dark, each with WCAG 2.1 AA contrast: text at least 4.5:1
/// on its background (the status box's too), control borders and focus rings at least 3:1.
pub(crate) const STYLE: &str = r#"
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --accent: #0b5cad; --on-accent: #ffffff;
  --ok: #176f30; --bad: #b42318; --muted: #5c6370; --line: #767676; --surface: #f2f4f7; --rule: #d0d5dd; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --fg: #e8eaed; --accent: #8ab4f8; --on-accent: #0b1a33;
    --ok: #6fd68a; --bad: #ff8a80; --muted: #a9b1bc; --line: #8c96a3; --surface: #1d2229; --rule: #3a414b; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; padding: 1rem 1.25rem; border-bottom: 1px solid var(--rule); }
header .issuer { font-weight: 600; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
main { max-width: 28rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 500; }
input[type=text], input[type=password] { width: 100%; font-size: 1.1rem; padding: .7rem; border: 1px solid var(--line); border-radius: .5rem;
  background: var(--bg); color: var(--fg); }
button, .button { display: inline-block; width: 100%; margin-top: 1rem; padding: .8rem; font-size: 1.05rem; border-radius: .5rem;
  border: 1px solid var(--accent); background: var(--accent); color: var(--on-accent); cursor: pointer; text-align: center; text-decoration: none; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
.number { font-size: 6rem; font-weight: 700; letter-spacing: .1em; text-align: center; margin: 1.5rem 0; font-variant-numeric: tabular-nums; }
.status { text-align: center; font-size: 1.2rem; padding: .8rem; border-radius: .5rem; background: var(--surface); }
.status[data-state=signed_in] { color: var(--ok); font-weight: 600; }
.status[data-state=denied], .status[data-state=wrong_number], .status[data-state=reported] { color: var(--bad); font-weight: 600; }
.status[data-state=expired], .status[data-state=superseded] { color: var(--muted); font-weight: 600; }
.done .number { color: var(--muted); text-decoration: line-through; }
.meta, .hint { color: var(--muted); font-size: .95rem; }
.error { color: var(--bad); }
.qr svg { width: 100%; max-width: 18rem; height: auto; display: block; margin: 1rem auto; background: white; padding: .5rem; }
code.uri { display: block; word-break: break-all; font-size: .8rem; background: var(--surface); padding: .5rem; border-radius: .4rem; }
@media (min-width: 48rem) { .small-only { display: none; } }
form.switch button { width: auto; margin: 0; padding: 0; border: 0; background: none; color: var(--accent);
  font: inherit; text-decoration: underline; }
table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .3rem; border-bottom: 1px solid var(--rule); }
"#;

/// The form-post answer's script: submits the form at once. A script element rather than an
/// `onload` attribute, so the CSP can allow it by its hash.
pub(crate) const AUTO_SUBMIT_JS: &str = "document.forms[0].submit();";

/// The account page's script: while the "Lägg till telefon" section shows, asks every two
/// seconds how many phones are active; once there are more than when the page was made, the
/// app has enrolled with the code, and the section says so instead of showing the code.
pub(crate) const ACCOUNT_JS: &str = r#"
(function () {
  var add = document.getElementById('add-phone');
  if (!add) return;
  var before = +add.dataset.active, base = add.dataset.base || '';
  function poll() {
    fetch(base + '/account/devices/state', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j && j.active > before) {
          document.getElementById('add-code').hidden = true;
          document.getElementById('added').hidden = false;
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 2000);
})();
"#;

/// The page that form-posts `inputs` (hidden fields, escaped by the caller) to `action` as soon
/// as it loads (OpenID Connect's `form_post`, Entra's answer): built by the domain in Swedish;
/// the handlers turn it into the request's language with [`form_post_in`].
pub(crate) fn form_post_page(action: &str, inputs: &str) -> String {
    format!(
        "<!doctype html>\n{}<body><form method=\"post\" action=\"{}\">{inputs}{}</form>\
<script>{AUTO_SUBMIT_JS}</script></body></html>",
        form_post_head(Lang::Sv),
        esc(action),
        form_post_button(Lang::Sv)
    )
}

/// A [`form_post_page`] in `lang` (its only texts: the title and the button shown without
/// script).
pub(crate) fn form_post_in(lang: Lang, page: &str) -> String {
    page.replacen(&form_post_head(Lang::Sv), &form_post_head(lang), 1).replacen(
        &form_post_button(Lang::Sv),
        &form_post_button(lang),
        1,
    )
}

fn form_post_head(lang: Lang) -> String {
    format!(
        "<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>",
        lang.code(),
        esc(lang.t(Msg::Sending))
    )
}

fn form_post_button(lang: Lang) -> String {
    format!("<noscript><button type=\"submit\">{}</button></noscript>", esc(lang.t(Msg::Continue)))
}

/// The `Content-Security-Policy` of every answer: no sources but the inline `scripts` and the
/// style sheet, allowed by their SHA-256; fetches to the provider only; never in a frame
/// (clickjacking of the number page or the approval flow).
pub(crate) fn content_security_policy(scripts: &[&str]) -> String {
    use base64::Engine;
    let hash = |s: &str| {
        let digest = nyckel_core::protocol::wire::sha256(s.as_bytes());
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
    };
    let scripts: Vec<String> = scripts.iter().map(|s| hash(s)).collect();
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
         base-uri 'none'; frame-ancestors 'none'",
        scripts.join(" "),
        hash(STYLE)
    )
}

/// A complete page in `lang`. `here` is the provider path (`/signin?username=anna`) the
/// header's language switch comes back to: the page itself where it can be fetched again, else
/// the start of its flow.
pub(crate) fn page_in(lang: Lang, issuer: &str, here: &str, title: &str, body: &str) -> String {
    let other = lang.other();
    let switch = format!(
        r#"<a id="lang-switch" href="{href}" hreflang="{to}" lang="{to}">{name}</a>"#,
        href = esc(&switch_href(other, here)),
        to = other.code(),
        name = other.name(),
    );
    page_with_switch(lang, issuer, &switch, title, body)
}

/// A complete page in `lang` whose language switch posts a form instead (a page that can only
/// be fetched again with a secret, which must not sit in a URL): `action` gets `fields`
/// (hidden inputs, escaped by the caller) and `lang`, the other language's code.
pub(crate) fn page_in_posting(
    lang: Lang,
    issuer: &str,
    (action, fields): (&str, &str),
    title: &str,
    body: &str,
) -> String {
    let other = lang.other();
    let switch = format!(
        r#"<form method="post" action="{action}" class="switch">{fields}<input type="hidden" name="lang" value="{to}"><button type="submit" id="lang-switch" lang="{to}">{name}</button></form>"#,
        action = esc(action),
        to = other.code(),
        name = other.name(),
    );
    page_with_switch(lang, issuer, &switch, title, body)
}

fn page_with_switch(lang: Lang, issuer: &str, switch: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} – {issuer}</title><style>{STYLE}</style></head>\
<body><header><span class=\"issuer\">{issuer}</span>\
<nav aria-label=\"{nav}\">{switch}</nav>\
</header><main>{body}</main></body></html>",
        code = lang.code(),
        title = esc(title),
        issuer = esc(issuer),
        nav = esc(lang.t(Msg::Language)),
    )
}

/// The language switch's link: `/lang/{code}?next=…` (`lang_web.rs` sets the cookie and goes
/// back to `here`).
pub(crate) fn switch_href(to: Lang, here: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!("/lang/{}?next={next}", to.code())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_form_post_page_in_each_language() {
        let sv = super::form_post_page(
            "https://a.se/cb?x=\"1",
            r#"<input type="hidden" name="a" value="b">"#,
        );
        assert!(
            sv.contains(r#"<html lang="sv">"#) && sv.contains("<title>Skickar…</title>"),
            "{sv}"
        );
        assert!(sv.contains(r#"action="https://a.se/cb?x=&quot;1""#), "{sv}");
        let en = super::form_post_in(super::Lang::En, &sv);
        assert!(
            en.contains(r#"<html lang="en">"#) && en.contains("<title>Sending…</title>"),
            "{en}"
        );
        assert!(en.contains(">Continue</button>") && !en.contains("Fortsätt"), "{en}");
        assert_eq!(super::form_post_in(super::Lang::Sv, &sv), sv);
    }

    #[test]
    fn escapes_markup_and_keeps_swedish_letters() {
        assert_eq!(
            super::esc("<a href=\"x\">Å'&</a>"),
            "&lt;a href=&quot;x&quot;&gt;Å&#39;&amp;&lt;/a&gt;"
        );
        let p = super::page_in(
            super::Lang::En,
            "Region <Skåne>",
            "/signin?username=a&b",
            "Sign in",
            "<p>x</p>",
        );
        assert!(p.contains("<meta charset=\"utf-8\">"));
        assert!(p.contains("<html lang=\"en\">"));
        assert!(p.contains(r#"href="/lang/sv?next=%2Fsignin%3Fusername%3Da%26b" hreflang="sv" lang="sv">Svenska</a>"#), "{p}");
        assert!(p.contains("Region &lt;Skåne&gt;"));
        assert!(p.contains("width=device-width"));
    }
}
