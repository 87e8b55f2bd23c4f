//! The enrollment QR code: `nyckel-enroll://v1?url=…&code=…&account=…&fp=…[&issuer][&exp][&otp]`
//! (`docs/protocol.md` §3). Tolerant of case and whitespace, strict about meaning, never panics.

use super::url::{BaseUrl, UrlProblem};
use super::wire::unb64;
use crate::otpauth::ParsedUri;

/// URI scheme of enrollment codes.
pub const SCHEME: &str = "nyckel-enroll";
/// Largest enrollment URI accepted, in bytes.
pub const MAX_ENROLL_URI_LEN: usize = 8192;
/// Largest account name, in bytes.
pub const MAX_ACCOUNT_LEN: usize = 256;

/// Why an enrollment URI was rejected. Messages never contain the activation code or secrets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// More than [`MAX_ENROLL_URI_LEN`] bytes.
    #[error("enrollment URI is too long")]
    TooLong,
    /// Not a `nyckel-enroll:` URI.
    #[error("not a Nyckel enrollment code (nyckel-enroll://…)")]
    WrongScheme,
    /// A version this app does not implement.
    #[error("unsupported enrollment version")]
    UnsupportedVersion,
    /// Structure broken (no query, bad percent-escape, …).
    #[error("malformed enrollment URI: {0}")]
    Malformed(&'static str),
    /// A required parameter is missing.
    #[error("enrollment URI lacks the {0} parameter")]
    Missing(&'static str),
    /// A parameter appears twice.
    #[error("parameter {0} appears more than once")]
    Duplicate(&'static str),
    /// A parameter's value is not acceptable.
    #[error("invalid {0} parameter")]
    Invalid(&'static str),
    /// The provider URL is plain http on a non-loopback host.
    #[error("the enrollment code's provider URL is plain http on another computer; providers must use https")]
    InsecureUrl,
    /// The provider URL's path would not reach the provider as written: HTTP stacks
    /// percent-encode or normalise it (non-ASCII, `.`/`..` segments, `%2F`, …), so the
    /// provider would check request signatures against other bytes. The reason is fixed text.
    #[error("provider URL path cannot be used: {0}")]
    UnsupportedUrlPath(&'static str),
    /// The embedded otpauth URI is invalid.
    #[error("embedded OTP account is invalid: {0}")]
    InvalidOtp(crate::otpauth::ParseError),
}

/// A parsed enrollment code.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollUri {
    /// Normalised provider base URL.
    pub base_url: String,
    /// The provider origin derived from the base URL.
    pub origin: String,
    /// The single-use activation code (secret until used; never printed by `Debug`).
    pub activation_code: String,
    /// Account name to show.
    pub account: String,
    /// The provider key fingerprint to pin (b64url SHA-256, 43 characters).
    pub fingerprint: String,
    /// Provider display name, if given.
    pub issuer: Option<String>,
    /// When the activation code expires (provider time), if given.
    pub expires_at: Option<i64>,
    /// An OTP account to add alongside, if the code carries one.
    pub otp: Option<ParsedUri>,
    /// `otp_managed=1`: the organisation manages that OTP secret; it is never exported.
    pub otp_managed: bool,
}

impl std::fmt::Debug for EnrollUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollUri")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .field("fingerprint", &self.fingerprint)
            .field("issuer", &self.issuer)
            .field("expires_at", &self.expires_at)
            .field("activation_code", &"<redacted>")
            .field("otp", &self.otp.as_ref().map(|_| "<otp account>"))
            .field("otp_managed", &self.otp_managed)
            .finish()
    }
}

fn pct_decode(s: &str, field: &'static str) -> Result<String, UriError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(UriError::Malformed("truncated percent-escape"))?;
            let hi =
                (hex[0] as char).to_digit(16).ok_or(UriError::Malformed("bad percent-escape"))?;
            let lo =
                (hex[1] as char).to_digit(16).ok_or(UriError::Malformed("bad percent-escape"))?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| UriError::Invalid(field))?;
    if text.contains('\0') {
        return Err(UriError::Invalid(field));
    }
    Ok(text)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn valid_code(code: &str) -> bool {
    (16..=128).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl EnrollUri {
    /// Parses an enrollment URI as scanned from a QR code.
    pub fn parse(input: &str) -> Result<EnrollUri, UriError> {
        if input.len() > MAX_ENROLL_URI_LEN {
            return Err(UriError::TooLong);
        }
        let input = input.trim();
        let (scheme, rest) = input.split_once(':').ok_or(UriError::WrongScheme)?;
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(UriError::WrongScheme);
        }
        let rest = rest.strip_prefix("//").ok_or(UriError::Malformed("expected //v1"))?;
        let (authority, query) =
            rest.split_once('?').ok_or(UriError::Malformed("no parameters"))?;
        let authority = authority.trim_end_matches('/');
        if !authority.eq_ignore_ascii_case("v1") {
            return Err(
                if authority.len() >= 2
                    && (authority.starts_with('v') || authority.starts_with('V'))
                {
                    UriError::UnsupportedVersion
                } else {
                    UriError::Malformed("expected //v1")
                },
            );
        }
        let query = query.split('#').next().unwrap_or("");

        const NAMES: [&str; 8] =
            ["url", "code", "account", "fp", "issuer", "exp", "otp", "otp_managed"];
        let mut vals: [Option<String>; 8] = Default::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(idx) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(k)) else {
                continue; // unknown parameters are ignored (forward compatibility)
            };
            if vals[idx].is_some() {
                return Err(UriError::Duplicate(NAMES[idx]));
            }
            vals[idx] = Some(pct_decode(v, NAMES[idx])?);
        }
        let [url, code, account, fp, issuer, exp, otp, otp_managed] = vals;

        let url = url.ok_or(UriError::Missing("url"))?;
        let base = BaseUrl::parse(&url).map_err(|p| match p {
            UrlProblem::Insecure => UriError::InsecureUrl,
            UrlProblem::Malformed => UriError::Invalid("url"),
            UrlProblem::Path(why) => UriError::UnsupportedUrlPath(why),
        })?;
        let code = code.ok_or(UriError::Missing("code"))?;
        if !valid_code(&code) {
            return Err(UriError::Invalid("code"));
        }
        let account = account.ok_or(UriError::Missing("account"))?;
        if account.trim().is_empty()
            || account.len() > MAX_ACCOUNT_LEN
            || account.chars().any(char::is_control)
        {
            return Err(UriError::Invalid("account"));
        }
        let fp = fp.ok_or(UriError::Missing("fp"))?;
        if fp.len() != 43 || unb64(&fp).is_none_or(|b| b.len() != 32) {
            return Err(UriError::Invalid("fp"));
        }
        let issuer = match issuer {
            Some(i) if i.len() > MAX_ACCOUNT_LEN || i.chars().any(char::is_control) => {
                return Err(UriError::Invalid("issuer"))
            }
            Some(i) if i.trim().is_empty() => None,
            other => other,
        };
        let expires_at = match exp {
            None => None,
            Some(e) => Some(
                e.trim().parse::<i64>().ok().filter(|n| *n >= 0).ok_or(UriError::Invalid("exp"))?,
            ),
        };
        let otp = match otp {
            None => None,
            Some(o) => Some(crate::otpauth::parse(&o).map_err(UriError::InvalidOtp)?),
        };
        let otp_managed = match otp_managed.as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return Err(UriError::Invalid("otp_managed")),
        };
        Ok(EnrollUri {
            otp_managed,
            base_url: base.base,
            origin: base.origin,
            activation_code: code,
            account,
            fingerprint: fp,
            issuer,
            expires_at,
            otp,
        })
    }

    /// Builds an enrollment URI (providers use this; `otp_uri` is a complete otpauth URI).
    pub fn build(
        base_url: &str,
        activation_code: &str,
        account: &str,
        fingerprint: &str,
        issuer: Option<&str>,
        expires_at: Option<i64>,
        otp_uri: Option<&str>,
    ) -> String {
        let mut s = format!(
            "{SCHEME}://v1?url={}&code={}&account={}&fp={}",
            pct_encode(base_url),
            pct_encode(activation_code),
            pct_encode(account),
            fingerprint
        );
        if let Some(i) = issuer {
            s.push_str(&format!("&issuer={}", pct_encode(i)));
        }
        if let Some(e) = expires_at {
            s.push_str(&format!("&exp={e}"));
        }
        if let Some(o) = otp_uri {
            s.push_str(&format!("&otp={}", pct_encode(o)));
        }
        s
    }

    /// [`EnrollUri::build`] with `otp_uri`, marked as managed by the organisation
    /// (`otp_managed=1`, §3): the app keeps it out of every export. Providers use it for a
    /// transfer code (§4.10) that re-delivers the secret they issued.
    pub fn build_managed_otp(
        base_url: &str,
        activation_code: &str,
        account: &str,
        fingerprint: &str,
        issuer: Option<&str>,
        expires_at: Option<i64>,
        otp_uri: &str,
    ) -> String {
        let mut s = Self::build(
            base_url,
            activation_code,
            account,
            fingerprint,
            issuer,
            expires_at,
            Some(otp_uri),
        );
        s.push_str("&otp_managed=1");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FP: &str = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
    const CODE: &str = "q3U1y0Cq9E3N0QmK6cJ3aA";

    fn good() -> String {
        EnrollUri::build(
            "https://idp.example.se",
            CODE,
            "anna@example.se",
            FP,
            Some("Region Skåne"),
            Some(1767225600),
            None,
        )
    }

    #[test]
    fn round_trip() {
        let u = EnrollUri::parse(&good()).unwrap();
        assert_eq!(u.base_url, "https://idp.example.se");
        assert_eq!(u.origin, "https://idp.example.se");
        assert_eq!(u.activation_code, CODE);
        assert_eq!(u.account, "anna@example.se");
        assert_eq!(u.fingerprint, FP);
        assert_eq!(u.issuer.as_deref(), Some("Region Skåne"));
        assert_eq!(u.expires_at, Some(1767225600));
        assert!(u.otp.is_none());
    }

    #[test]
    fn tolerant_of_case_whitespace_and_unknown_parameters() {
        let s = format!("  NYCKEL-ENROLL://V1/?future=1&{}  \n", good().split_once('?').unwrap().1);
        let u = EnrollUri::parse(&s).unwrap();
        assert_eq!(u.account, "anna@example.se");
        // '+' is a literal plus.
        let s = EnrollUri::build("https://idp.example.se", CODE, "x", FP, None, None, None)
            .replace("account=x", "account=a+b");
        assert_eq!(EnrollUri::parse(&s).unwrap().account, "a+b");
    }

    #[test]
    fn typed_errors() {
        let g = good();
        assert_eq!(EnrollUri::parse("otpauth://totp/x?secret=A"), Err(UriError::WrongScheme));
        assert_eq!(
            EnrollUri::parse(&g.replace("://v1", "://v2")),
            Err(UriError::UnsupportedVersion)
        );
        assert_eq!(
            EnrollUri::parse("nyckel-enroll://v1"),
            Err(UriError::Malformed("no parameters"))
        );
        assert_eq!(EnrollUri::parse(&g.replace("code=", "kod=")), Err(UriError::Missing("code")));
        assert_eq!(EnrollUri::parse(&format!("{g}&fp={FP}")), Err(UriError::Duplicate("fp")));
        assert_eq!(EnrollUri::parse(&g.replace(FP, &FP[1..])), Err(UriError::Invalid("fp")));
        assert_eq!(EnrollUri::parse(&g.replace(CODE, "short")), Err(UriError::Invalid("code")));
        assert_eq!(EnrollUri::parse(&g.replace("https%3A", "http%3A")), Err(UriError::InsecureUrl));
        assert_eq!(
            EnrollUri::parse(&g.replace("exp=1767225600", "exp=soon")),
            Err(UriError::Invalid("exp"))
        );
        assert_eq!(
            EnrollUri::parse(&g.replace("account=anna", "account=%FF")),
            Err(UriError::Invalid("account"))
        );
        assert_eq!(
            EnrollUri::parse(&g.replace("account=anna", "account=%00")),
            Err(UriError::Invalid("account"))
        );
        assert_eq!(
            EnrollUri::parse(&g.replace("account=anna", "account=%4")),
            Err(UriError::Malformed("bad percent-escape"))
        );
        assert_eq!(EnrollUri::parse(&"a".repeat(9000)), Err(UriError::TooLong));
        // http is fine on loopback.
        let lo = EnrollUri::build("http://127.0.0.1:8080", CODE, "a", FP, None, None, None);
        assert_eq!(EnrollUri::parse(&lo).unwrap().origin, "http://127.0.0.1:8080");
    }

    #[test]
    fn provider_url_paths_that_http_stacks_rewrite_are_refused() {
        let with_url = |url: &str| {
            EnrollUri::parse(&EnrollUri::build(url, CODE, "anna", FP, None, None, None))
        };
        let non_ascii = UriError::UnsupportedUrlPath("non-ASCII character (percent-encode it)");
        assert_eq!(with_url("https://idp.example.se/inloggning-\u{e5}"), Err(non_ascii));
        assert_eq!(
            with_url("https://idp.example.se/a/../b"),
            Err(UriError::UnsupportedUrlPath("dot segment"))
        );
        assert_eq!(
            with_url("https://idp.example.se/a/%2E/b"),
            Err(UriError::UnsupportedUrlPath("dot segment"))
        );
        assert_eq!(
            with_url("https://idp.example.se/a%2Fb"),
            Err(UriError::UnsupportedUrlPath("encoded slash"))
        );
        // The same path percent-encoded is fine and kept exactly as written.
        assert_eq!(
            with_url("https://idp.example.se/inloggning-%C3%A5").unwrap().base_url,
            "https://idp.example.se/inloggning-%C3%A5"
        );
        assert_eq!(
            with_url("https://idp.example.se/auth/").unwrap().base_url,
            "https://idp.example.se/auth"
        );
    }

    #[test]
    fn embedded_otp_goes_through_the_otpauth_parser() {
        let otp = "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=JBSWY3DPEHPK3PXP&issuer=Region%20Sk%C3%A5ne";
        let s = EnrollUri::build("https://idp.example.se", CODE, "anna", FP, None, None, Some(otp));
        match crate::otpauth::parse(otp) {
            Ok(expected) => assert_eq!(EnrollUri::parse(&s).unwrap().otp, Some(expected)),
            Err(e) => assert_eq!(EnrollUri::parse(&s), Err(UriError::InvalidOtp(e))),
        }
        let bad = EnrollUri::build(
            "https://idp.example.se",
            CODE,
            "anna",
            FP,
            None,
            None,
            Some("otpauth://totp/x"),
        );
        assert!(matches!(EnrollUri::parse(&bad), Err(UriError::InvalidOtp(_))));
    }

    #[test]
    fn a_managed_otp_uri_round_trips() {
        let otp = "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=JBSWY3DPEHPK3PXP";
        let s = EnrollUri::build_managed_otp(
            "https://idp.example.se",
            CODE,
            "anna",
            FP,
            Some("Region Skåne"),
            Some(1),
            otp,
        );
        let u = EnrollUri::parse(&s).unwrap();
        assert!(u.otp_managed);
        assert_eq!(u.otp.unwrap().params.secret.to_base32(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn otp_managed_is_an_optional_flag_of_the_embedded_otp_account() {
        let otp = "otpauth://totp/R:anna?secret=JBSWY3DPEHPK3PXP";
        let s = EnrollUri::build("https://idp.example.se", CODE, "anna", FP, None, None, Some(otp));
        assert!(!EnrollUri::parse(&s).unwrap().otp_managed);
        assert!(EnrollUri::parse(&format!("{s}&otp_managed=1")).unwrap().otp_managed);
        assert!(!EnrollUri::parse(&format!("{s}&otp_managed=0")).unwrap().otp_managed);
        assert_eq!(
            EnrollUri::parse(&format!("{s}&otp_managed=yes")),
            Err(UriError::Invalid("otp_managed"))
        );
    }

    #[test]
    fn debug_hides_the_activation_code() {
        let u = EnrollUri::parse(&good()).unwrap();
        assert!(!format!("{u:?}").contains(CODE));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(s in ".{0,300}") {
            let _ = EnrollUri::parse(&s);
        }

        #[test]
        fn never_panics_on_mutated_uris(cut in 0usize..400, insert in "[%&=?:/#a-zA-Z0-9\u{e5}\u{0}]{0,6}") {
            let g = good();
            let mut cut = cut.min(g.len());
            while !g.is_char_boundary(cut) { cut -= 1; }
            let s = format!("{}{}{}", &g[..cut], insert, &g[cut..]);
            let _ = EnrollUri::parse(&s);
        }

        #[test]
        fn round_trips_any_account(account in "[^\u{0}-\u{1f}\u{7f}-\u{9f}]{1,60}") {
            prop_assume!(!account.trim().is_empty());
            let s = EnrollUri::build("https://idp.example.se", CODE, &account, FP, None, None, None);
            prop_assert_eq!(EnrollUri::parse(&s).unwrap().account, account);
        }
    }
}
