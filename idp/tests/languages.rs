//! The pages' language: `Accept-Language` negotiation (q-values, wildcards, malformed headers
//! fall back to Swedish, never a panic), and over loopback the English pages, `<html lang>`,
//! `Vary`, and the language switch kept in a cookie through a form post.

mod oidc_support;

use nyckel_idp::i18n::Lang;
use oidc_support::*;

fn negotiate(h: &str) -> Lang {
    Lang::negotiate(Some(h))
}

#[test]
fn accept_language_with_q_values_picks_the_preferred_supported_language() {
    assert_eq!(Lang::negotiate(None), Lang::Sv, "no header: Swedish");
    assert_eq!(negotiate("en"), Lang::En);
    assert_eq!(negotiate("sv"), Lang::Sv);
    assert_eq!(negotiate("en-GB,en;q=0.9"), Lang::En, "a region asks for its language");
    assert_eq!(negotiate("EN-us"), Lang::En, "case-insensitive");
    assert_eq!(negotiate("sv-SE,sv;q=0.9,en;q=0.8"), Lang::Sv);
    assert_eq!(negotiate("sv;q=0.5, en;q=0.8"), Lang::En, "q-values, not order");
    assert_eq!(negotiate("en;q=0.8, sv;q=0.8"), Lang::Sv, "a tie goes to the default");
    assert_eq!(negotiate("de-DE,de;q=0.9,en;q=0.4"), Lang::En, "an unsupported first choice");
    assert_eq!(negotiate("de, fr"), Lang::Sv, "neither language named");
    assert_eq!(negotiate("en;q=0"), Lang::Sv, "English refused");
    assert_eq!(negotiate("sv;q=0, en;q=0.1"), Lang::En, "Swedish refused");
    assert_eq!(negotiate("sv;q=0, en;q=0"), Lang::Sv, "both refused: the default");
    assert_eq!(negotiate("en;q=0.3, en-US;q=0.9"), Lang::En, "the best of a language's ranges");
    assert_eq!(negotiate("en ; q=1.000"), Lang::En, "spaces and three decimals");
}

#[test]
fn wildcards_give_their_weight_to_the_languages_not_named() {
    assert_eq!(negotiate("*"), Lang::Sv);
    assert_eq!(negotiate("sv;q=0, *"), Lang::En, "everything but Swedish");
    assert_eq!(negotiate("en;q=0, *;q=0.5"), Lang::Sv);
    assert_eq!(negotiate("fr, *;q=0.1"), Lang::Sv, "the wildcard ties: the default");
    assert_eq!(negotiate("sv;q=0.2, *;q=0.9"), Lang::En, "a named range beats the wildcard");
    assert_eq!(negotiate("*;q=0"), Lang::Sv, "nothing acceptable: the default");
}

#[test]
fn malformed_headers_get_the_default_and_malformed_ranges_are_ignored() {
    for bad in [
        "",
        ",",
        ";",
        "en;q=",
        "en;q=abc",
        "en;q=1.5",
        "en;q=2",
        "en;q=0.5000",
        "en;level=1",
        "en;q=0.5;q",
        "e n",
        "en_US",
        "123",
        "-en",
        "en-",
        "abcdefghi",
        "en-abcdefghi",
        "én",
        "en\u{0}",
        "q=1",
        "*-en",
    ] {
        assert_eq!(negotiate(bad), Lang::Sv, "{bad:?}");
    }
    // A malformed range does not spoil the well-formed ones.
    assert_eq!(negotiate("en;q=abc, en-GB;q=0.5"), Lang::En);
    assert_eq!(negotiate("xx;;, en"), Lang::En);
    // Too long or too many ranges: the default, read no further.
    assert_eq!(negotiate(&format!("en, {}", "x".repeat(2000))), Lang::Sv);
    assert_eq!(negotiate(&vec!["en"; 100].join(",")), Lang::Sv);
}

#[test]
fn no_header_makes_negotiation_panic() {
    // Every string of up to three characters over the alphabet the grammar uses, and its
    // prefixes with a range in front: an answer each, never a panic.
    let alphabet = ["e", "n", "s", "v", "*", "-", ";", "q", "=", ".", ",", " ", "0", "1", "é"];
    let mut count = 0;
    for a in alphabet {
        for b in alphabet {
            for c in alphabet {
                let s = format!("{a}{b}{c}");
                for h in [s.clone(), format!("en;q={s}"), format!("{s}, sv;q=0.{s}")] {
                    let _ = negotiate(&h);
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, alphabet.len().pow(3) * 3);
}

fn with(extra: &[(&str, &str)]) -> Browser {
    Browser {
        extra: extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Browser::default()
    }
}

#[test]
fn accept_language_en_gives_the_english_pages_with_lang_and_vary() {
    let idp = Idp::start();
    let resp = with(&[("Accept-Language", "en-GB,en;q=0.9,sv;q=0.5")]).get(&idp.url("/signin"));
    let page = text(&resp);
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains(">Continue with password</button>"), "{page}");
    assert!(page.contains(">Sign in with your phone</button>"), "{page}");
    assert!(page.contains(r#"href="/lang/sv?next=%2Fsignin" hreflang="sv" lang="sv">Svenska</a>"#));
    let vary = header(&resp, "vary").unwrap_or_default().to_ascii_lowercase();
    assert!(vary.contains("accept-language") && vary.contains("cookie"), "{vary}");

    let sv = text(&with(&[("Accept-Language", "de, sv;q=0.1")]).get(&idp.url("/signin")));
    assert!(sv.contains("<html lang=\"sv\">") && sv.contains("Fortsätt med lösenord"), "{sv}");
    assert!(sv.contains(r#"href="/lang/en?next=%2Fsignin" hreflang="en" lang="en">English</a>"#));

    // The number page, its script's state texts included, and an error page.
    let mut browser = with(&[("Accept-Language", "en")]);
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let number = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    assert!(number.contains("<html lang=\"en\">"), "{number}");
    assert!(number.contains("Open Nyckel on your phone and type in the number"), "{number}");
    assert!(number.contains(r#"data-text-signed_in="Signed in ✓""#), "{number}");
    assert!(number.contains(r#"data-text-wrong_number="Denied: the wrong number was typed""#));
    assert!(!number.contains("Väntar"), "no Swedish left: {number}");
    let wrong = [("username", "anna"), ("mode", "password"), ("password", "fel")];
    let refused = text(&browser.post(&idp.url("/signin"), &form(&wrong)));
    assert!(refused.contains("Wrong user name or password."), "{refused}");
    assert!(refused.contains(">Try again</a>"), "{refused}");
}

#[test]
fn the_switch_keeps_the_choice_in_a_cookie_through_a_form_post() {
    let idp = Idp::start();
    let switched = with(&[]).get(&idp.url("/lang/en?next=%2Fsignin%3Fusername%3Danna"));
    assert_eq!(switched.status, 303);
    assert_eq!(location(&switched), "/signin?username=anna");
    let cookie = header(&switched, "set-cookie").unwrap();
    assert!(cookie.starts_with("nyckel_lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");

    // The cookie beats Accept-Language, on a form post too.
    let mut browser = with(&[("Cookie", "nyckel_lang=en"), ("Accept-Language", "sv")]);
    let form_page = text(&browser.get(&idp.url("/signin?username=anna")));
    assert!(form_page.contains("<html lang=\"en\">") && form_page.contains(r#"value="anna""#));
    let password = text(
        &browser.post(&idp.url("/signin"), &form(&[("username", "anna"), ("mode", "password")])),
    );
    assert!(password.contains("<html lang=\"en\">"), "{password}");
    assert!(password.contains("Enter your password"), "{password}");
    // Its switch comes back to the sign-in form with the name typed.
    assert!(password.contains("href=\"/lang/sv?next=%2Fsignin%3Fusername%3Danna\""), "{password}");

    // "Try again" keeps the typed name in English as in Swedish.
    let wrong = [("username", "Anna Å"), ("mode", "password"), ("password", "fel")];
    for (cookie, said) in [("nyckel_lang=en", "Try again"), ("nyckel_lang=sv", "Försök igen")] {
        let page = text(&with(&[("Cookie", cookie)]).post(&idp.url("/signin"), &form(&wrong)));
        let retry = format!(r#"href="/signin?username=Anna+%C3%85">{said}</a>"#);
        assert!(page.contains(&retry), "{cookie}: {page}");
    }

    // An unknown cookie value counts for nothing.
    let page = text(
        &with(&[("Cookie", "nyckel_lang=de"), ("Accept-Language", "en")]).get(&idp.url("/signin")),
    );
    assert!(page.contains("<html lang=\"en\">"));
}

#[test]
fn the_switch_goes_back_only_to_the_providers_own_pages() {
    let idp = Idp::start();
    for next in
        ["https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2F%5Cevil.example", "signin"]
    {
        let resp = with(&[]).get(&idp.url(&format!("/lang/sv?next={next}")));
        assert_eq!(resp.status, 303, "{next}");
        assert_eq!(location(&resp), "/signin", "{next}");
    }
    assert_eq!(with(&[]).get(&idp.url("/lang/de")).status, 404);
}

#[test]
fn the_account_page_is_in_english_too() {
    let idp = Idp::start();
    idp.provider.add_user("ny", Some(PASSWORD), false).unwrap();
    let mut browser = with(&[("Accept-Language", "en")]);
    let fields = [("username", "ny"), ("mode", "password"), ("password", PASSWORD)];
    // A user who never had a phone signs in with the password alone (bootstrap).
    let signed_in = browser.post(&idp.url("/signin"), &form(&fields));
    assert_eq!(location(&signed_in), "/account");
    let page = text(&browser.get(&idp.url("/account")));
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    for said in [
        "Signed in as ny",
        "Your sign-in methods",
        "No phones registered yet.",
        "Add a method: Add a phone",
        "The phone is added ✓",
        "Verification code: none",
        r#"aria-label="QR code to add a phone in Nyckel""#,
        ">Sign out</button>",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
    assert!(page.contains(r#"href="/lang/sv?next=%2Faccount""#), "{page}");
    // The switch's cookie turns it Swedish.
    browser.extra =
        vec![("Cookie".into(), "nyckel_lang=sv".into()), ("Accept-Language".into(), "en".into())];
    let sv = text(&browser.get(&idp.url("/account")));
    assert!(sv.contains("<html lang=\"sv\">") && sv.contains("Inloggad som ny"), "{sv}");
    assert!(sv.contains("<h2>Dina inloggningsmetoder</h2>"), "{sv}");
}

#[test]
fn the_lost_phone_pages_are_in_english_too() {
    let mut idp = Idp::start();
    let mut browser = with(&[("Accept-Language", "en")]);
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let body = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number = number_on(&body);
    idp.phone.decide(&id, nyckel_core::protocol::Decision::Approve { number });
    let done = browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));

    let account = text(&browser.get(&idp.url("/account")));
    assert!(account.contains("<html lang=\"en\">"), "{account}");
    assert!(account.contains(">I have lost the phone</button>"), "{account}");
    assert!(account.contains(">Remove</button>") && account.contains(">Phone sign-in</th>"));
    let device = idp.provider.devices("anna").unwrap().remove(0);
    let choice =
        browser.post(&idp.url("/account/devices/lost"), &form(&[("device", &device.device_id)]));
    let page = text(&choice);
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains(&format!("Block {}?", device.name)), "{page}");
    assert!(page.contains("This is the only phone on the account."), "{page}");
    assert!(page.contains("You have no other method to confirm with"), "{page}");
    assert!(!page.contains("Spärra"), "no Swedish left: {page}");
}

#[test]
fn an_applications_form_post_page_is_in_the_browsers_language() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = with(&[("Accept-Language", "en")]);
    let page = browser.get(&idp.authorize_url(&rp, None, &[("response_mode", "form_post")]));
    assert!(text(&page).contains("Sign in to "), "{}", text(&page));
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    let html = text(&answer);
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    assert!(html.contains("<title>Sending…</title>") && html.contains(">Continue</button>"));
    assert!(hidden(&html, "code").is_some(), "{html}");
}

#[test]
fn the_add_method_step_up_and_what_the_phone_shows_follow_the_pages_language() {
    let mut idp = Idp::start();
    idp.advance(1); // the phone is older than the session: it can confirm a new method
    let mut browser = with(&[("Accept-Language", "en")]);
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let body = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let seen = pending(&mut idp.phone).into_iter().find(|r| r.id == id).unwrap();
    assert_eq!((seen.location.as_str(), seen.app.ends_with(" (web)")), ("Local (loopback)", true));
    idp.phone.decide(&id, nyckel_core::protocol::Decision::Approve { number: number_on(&body) });
    browser.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");

    let choice = text(&browser.post(&idp.url("/account/add"), &form(&[("method", "phone")])));
    for said in ["<html lang=\"en\">", "<h1>Add a phone</h1>", ">Approve with your phone<"] {
        assert!(choice.contains(said), "{said}: {choice}");
    }
    let page = text(&browser.post(&idp.url("/account/add/approve"), &form(&[("method", "phone")])));
    assert!(page.contains("<h1>Approve the new method</h1>"), "{page}");
    let request = hidden(&page, "request").unwrap();
    let seen = pending(&mut idp.phone).into_iter().find(|r| r.id == request).unwrap();
    assert_eq!(seen.app, "Your account: add a sign-in method");
    assert_eq!(seen.location, "Local (loopback)");
}

fn pending(phone: &mut Phone) -> Vec<nyckel_core::protocol::PendingRequest> {
    use nyckel_core::protocol as p;
    let rng = nyckel_core::random::SystemRandom;
    let (req, fetch) = p::fetch_pending(&phone.enrollment, &phone.keys, &rng, now()).unwrap();
    p::parse_pending(&mut phone.enrollment, &fetch, &send(&req), now()).unwrap()
}

#[test]
fn ui_locales_wins_over_the_cookie_and_accept_language_for_that_sign_in_only() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = with(&[("Cookie", "nyckel_lang=sv"), ("Accept-Language", "sv-SE,sv;q=0.9")]);
    // The first supported tag wins (`de` is not one; `en-GB` is English).
    let page = browser.get(&idp.authorize_url(&rp, None, &[("ui_locales", "de en-GB sv")]));
    let body = text(&page);
    assert!(body.contains("<html lang=\"en\">") && body.contains("Sign in to "), "{body}");
    let authz = hidden(&body, "authz").unwrap();
    // The flow's next pages (its form posts carry the waiting request) stay English.
    let fields = [("username", "anna"), ("authz", authz.as_str())];
    let password = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    assert!(password.contains("<html lang=\"en\">"), "{password}");
    let fields =
        [("username", "anna"), ("mode", "password"), ("password", PASSWORD), ("authz", &authz)];
    let number = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    assert!(number.contains("<html lang=\"en\">") && number.contains("data-request"), "{number}");
    let seen = pending(&mut idp.phone);
    assert_eq!(seen[0].location, "Local (loopback)", "the phone too");
    // Another application's sign-in without ui_locales keeps the browser's choice.
    let plain = text(&browser.get(&idp.authorize_url(&rp, None, &[])));
    assert!(plain.contains("<html lang=\"sv\">"), "{plain}");
    let unsupported = text(&browser.get(&idp.authorize_url(&rp, None, &[("ui_locales", "de fr")])));
    assert!(unsupported.contains("<html lang=\"sv\">"), "{unsupported}");
}

#[test]
fn the_number_pages_language_switch_keeps_the_waiting_sign_in() {
    let mut idp = Idp::start();
    let mut browser = with(&[("Accept-Language", "en")]);
    let fields = [("username", "anna"), ("mode", "password"), ("password", PASSWORD)];
    let body = text(&browser.post(&idp.url("/signin"), &form(&fields)));
    let (id, token) = (attr(&body, "data-request").unwrap(), attr(&body, "data-token").unwrap());
    let number = number_on(&body);
    // The switch is a form posting the page token: no link, nothing secret in any URL.
    assert!(attr(&body, "id=\"lang-switch\" href").is_none(), "{body}");
    let action = attr(&body, "class=\"switch\"><input type=\"hidden\" name=\"t\" value");
    assert_eq!(action.as_deref(), Some(token.as_str()), "{body}");
    assert!(body.contains(&format!(
        "<form method=\"post\" action=\"/signin/wait/{id}\" class=\"switch\">"
    )));
    assert_eq!(hidden(&body, "lang").as_deref(), Some("sv"));
    assert!(!body.contains(&format!("?t={token}")) && !body.contains(&format!("t%3D{token}")));
    let wait = idp.url(&format!("/signin/wait/{id}"));
    let again = browser.post(&wait, &form(&[("t", &token), ("lang", "sv")]));
    assert_eq!(again.status, 200, "{}", text(&again));
    // The choice is kept (the cookie), and the same request, number and token show in Swedish.
    let kept = header(&again, "set-cookie").unwrap_or_default();
    assert!(kept.starts_with("nyckel_lang=sv;"), "{kept}");
    let again = text(&again);
    assert!(again.contains("<html lang=\"sv\">"), "{again}");
    assert_eq!(attr(&again, "data-request").as_deref(), Some(id.as_str()));
    assert_eq!(attr(&again, "data-token").as_deref(), Some(token.as_str()));
    assert_eq!(number_on(&again), number);
    assert_eq!(hidden(&again, "lang").as_deref(), Some("en"), "and back again");
    assert_eq!(idp.provider.signin_status(&id).unwrap().state, "pending", "not abandoned");
    // The former address with the token in its query is gone; another site's post is refused.
    let old = Browser::default().get(&idp.url(&format!("/signin/wait/{id}?t={token}")));
    assert_ne!(old.status, 200, "{}", text(&old));
    let mut cross = with(&[("Origin", "https://evil.example")]);
    let forged = cross.post(&wait, &form(&[("t", &token), ("lang", "sv")]));
    assert_eq!(forged.status, 403, "{}", text(&forged));
    // It still signs in; once it is over the switch starts over.
    let mut swedish = with(&[("Cookie", "nyckel_lang=sv")]);
    idp.phone.decide(&id, nyckel_core::protocol::Decision::Approve { number });
    let done = swedish.post(&idp.url(&format!("/signin/complete/{id}?t={token}")), "");
    assert_eq!(done.status, 200, "{}", text(&done));
    assert_eq!(location(&swedish.post(&wait, &form(&[("t", &token), ("lang", "en")]))), "/signin");
    let forged = form(&[("t", "nottheToken"), ("lang", "en")]);
    assert_eq!(location(&Browser::default().post(&wait, &forged)), "/signin");
    // A username-only page's switch starts over, for a real user as for an unknown name: coming
    // back would tell a real request from a decoy.
    for name in ["anna", "nobody"] {
        let fields = [("username", name), ("mode", "phone")];
        let page =
            text(&with(&[("Accept-Language", "en")]).post(&idp.url("/signin"), &form(&fields)));
        let switch = attr(&page, "id=\"lang-switch\" href").unwrap();
        assert_eq!(switch, "/lang/sv?next=%2Fsignin", "{name}");
    }
}

#[test]
fn the_answer_page_of_a_sign_in_with_ui_locales_is_in_its_language() {
    let mut idp = Idp::start();
    let rp = idp.client(false, None);
    let mut browser = with(&[("Accept-Language", "sv")]);
    let extra = [("response_mode", "form_post"), ("ui_locales", "en")];
    let page = browser.get(&idp.authorize_url(&rp, None, &extra));
    let answer = idp.sign_in(&mut browser, &page, Mode::Password, Answer::Approve);
    let html = text(&answer);
    assert!(html.contains(r#"<html lang="en">"#) && html.contains(">Continue</button>"), "{html}");
    assert!(hidden(&html, "code").is_some(), "{html}");
}
