//! Tiny HTML helpers: escaping and the page layout.

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

/// The pages' one style sheet (inline; the CSP allows it by its hash).
pub(crate) const STYLE: &str = r#"
:root { color-scheme: light dark; --accent: #0b5cad; --ok: #1a7f37; --bad: #b42318; --muted: #667085; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: Canvas; color: CanvasText; }
header { padding: 1rem 1.25rem; font-weight: 600; border-bottom: 1px solid #8883; }
main { max-width: 28rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 500; }
input[type=text], input[type=password] { width: 100%; font-size: 1.1rem; padding: .7rem; border: 1px solid #8886; border-radius: .5rem; }
button, .button { display: inline-block; width: 100%; margin-top: 1rem; padding: .8rem; font-size: 1.05rem; border-radius: .5rem;
  border: 1px solid var(--accent); background: var(--accent); color: white; cursor: pointer; text-align: center; text-decoration: none; }
button.secondary { background: transparent; color: var(--accent); }
.number { font-size: 6rem; font-weight: 700; letter-spacing: .1em; text-align: center; margin: 1.5rem 0; font-variant-numeric: tabular-nums; }
.status { text-align: center; font-size: 1.2rem; padding: .8rem; border-radius: .5rem; background: #8881; }
.status[data-state=signed_in] { color: var(--ok); font-weight: 600; }
.status[data-state=denied], .status[data-state=wrong_number], .status[data-state=reported] { color: var(--bad); font-weight: 600; }
.status[data-state=expired], .status[data-state=superseded] { color: var(--muted); font-weight: 600; }
.done .number { opacity: .25; }
.meta, .hint { color: var(--muted); font-size: .95rem; }
.error { color: var(--bad); }
.qr svg { width: 100%; max-width: 18rem; height: auto; display: block; margin: 1rem auto; background: white; padding: .5rem; }
code.uri { display: block; word-break: break-all; font-size: .8rem; background: #8881; padding: .5rem; border-radius: .4rem; }
@media (min-width: 48rem) { .small-only { display: none; } }
table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .3rem; border-bottom: 1px solid #8883; }
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

/// A complete page.
pub(crate) fn page(issuer: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{} – {}</title><style>{STYLE}</style></head>\
<body><header>{}</header><main>{body}</main></body></html>",
        esc(title),
        esc(issuer),
        esc(issuer)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_keeps_swedish_letters() {
        assert_eq!(
            super::esc("<a href=\"x\">Å'&</a>"),
            "&lt;a href=&quot;x&quot;&gt;Å&#39;&amp;&lt;/a&gt;"
        );
        let p = super::page("Region <Skåne>", "Logga in", "<p>x</p>");
        assert!(p.contains("<meta charset=\"utf-8\">"));
        assert!(p.contains("Region &lt;Skåne&gt;"));
        assert!(p.contains("width=device-width"));
    }
}
