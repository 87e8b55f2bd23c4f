//! Minimal, strict parsing of a provider base URL (no query, fragment or user info).

/// A provider base URL split into the parts the protocol needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// Normalised base URL without a trailing slash (`https://idp.example.se/auth`).
    pub base: String,
    /// WebAuthn origin (`https://idp.example.se`).
    pub origin: String,
    /// Host, lower case, brackets kept for IPv6 (`idp.example.se`).
    pub host: String,
    /// The base URL's path without a trailing slash (`/auth`, or empty).
    pub path: String,
}

/// Why a base URL was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    Malformed,
    Insecure,
    /// A path that HTTP stacks would re-encode or normalise before sending, so the path the
    /// provider sees (and checks the request signature against, §2.2) would differ from the
    /// one the app signed. The reason is a short, fixed phrase.
    Path(&'static str),
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || host == "127.0.0.1"
}

/// True when `host` is an IP-address literal: bracketed IPv6, or a host the WHATWG URL parser
/// treats as IPv4 because its last label is a number (`127.0.0.1`, but also `10.1`, `0x7f.1`).
fn is_ip_literal(host: &str) -> bool {
    if host.starts_with('[') {
        return true;
    }
    let last = host.strip_suffix('.').unwrap_or(host).rsplit('.').next().unwrap_or("");
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks that an IP-literal host is in the one form every HTTP stack sends unchanged:
/// dotted-quad IPv4 without leading zeros, or a bracketed IPv6 address.
fn valid_ip_literal(host: &str) -> bool {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => host.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

/// Refuses a base URL path that would not reach the provider byte for byte. Platform HTTP
/// stacks (WHATWG URL, OkHttp, Foundation) percent-encode non-ASCII and some ASCII
/// characters, fix stray `%`, and remove `.`/`..` segments (also written `%2E`); some decode
/// `%2F`. Allowed: RFC 3986 `pchar`s (unreserved, sub-delims, `:`), `/` and valid `%XX`
/// escapes other than `%2F` (so non-ASCII goes in percent-encoded: `/inloggning-%C3%A5`).
fn check_path(path: &str) -> Result<(), UrlProblem> {
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
                match hex {
                    None => return Err(UrlProblem::Path("bad percent-escape")),
                    Some(h) if h.eq_ignore_ascii_case(b"2f") => {
                        return Err(UrlProblem::Path("encoded slash"))
                    }
                    Some(_) => i += 3,
                }
            }
            c if c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:/".contains(&c) => i += 1,
            c if !c.is_ascii() => {
                return Err(UrlProblem::Path("non-ASCII character (percent-encode it)"))
            }
            _ => return Err(UrlProblem::Path("character that must be percent-encoded")),
        }
    }
    for segment in path.split('/') {
        let lower = segment.to_ascii_lowercase().replace("%2e", ".");
        if lower == "." || lower == ".." {
            return Err(UrlProblem::Path("dot segment"));
        }
    }
    Ok(())
}

impl BaseUrl {
    pub fn parse(input: &str) -> Result<BaseUrl, UrlProblem> {
        let input = input.trim();
        let (scheme, rest) = input.split_once("://").ok_or(UrlProblem::Malformed)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(UrlProblem::Malformed);
        }
        if rest.contains(['?', '#', '@', '\\'])
            || rest.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(UrlProblem::Malformed);
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
            let end = stripped.find(']').ok_or(UrlProblem::Malformed)?;
            let host = &authority[..end + 2];
            let after = &stripped[end + 1..];
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or(UrlProblem::Malformed)?),
            };
            (host.to_ascii_lowercase(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty()
            || host.len() > 253
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        {
            return Err(UrlProblem::Malformed);
        }
        if (!host.starts_with('[') && host.contains([':', '[', ']']))
            || (is_ip_literal(&host) && !valid_ip_literal(&host))
        {
            return Err(UrlProblem::Malformed);
        }
        let port = match port {
            None => None,
            Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u32 = p.parse().map_err(|_| UrlProblem::Malformed)?;
                if n == 0 || n > 65535 {
                    return Err(UrlProblem::Malformed);
                }
                Some(n)
            }
            Some(_) => return Err(UrlProblem::Malformed),
        };
        if scheme == "http" && !is_loopback(&host) {
            return Err(UrlProblem::Insecure);
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let origin = match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        };
        check_path(path)?;
        let path = path.trim_end_matches('/').to_owned();
        Ok(BaseUrl { base: format!("{origin}{path}"), origin, host, path })
    }

    /// True when `rp_id` is the host or a dot-boundary suffix of it. For an IP-address host
    /// only the exact host is allowed (WebAuthn: a suffix of an IP address is no domain).
    pub fn allows_rp_id(&self, rp_id: &str) -> bool {
        if rp_id.is_empty() {
            return false;
        }
        if self.host == rp_id {
            return true;
        }
        if is_ip_literal(&self.host) {
            return false;
        }
        self.host.ends_with(rp_id)
            && self.host[..self.host.len() - rp_id.len()].ends_with('.')
            && rp_id.contains('.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let u = BaseUrl::parse("HTTPS://IdP.Example.se:443/auth/").unwrap();
        assert_eq!(u.base, "https://idp.example.se/auth");
        assert_eq!(u.origin, "https://idp.example.se");
        assert_eq!(u.path, "/auth");
        let u = BaseUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(u.origin, "http://127.0.0.1:8080");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.path, "");
        assert!(BaseUrl::parse("http://[::1]:9/").is_ok());
    }

    #[test]
    fn refuses_insecure_and_odd_urls() {
        assert_eq!(BaseUrl::parse("http://idp.example.se"), Err(UrlProblem::Insecure));
        for bad in [
            "",
            "idp.example.se",
            "ftp://x",
            "https://",
            "https://a@b",
            "https://x?y",
            "https://x:0",
            "https://x:99999",
            "https://x:8a",
            "https://x y",
        ] {
            assert_eq!(BaseUrl::parse(bad), Err(UrlProblem::Malformed), "{bad}");
        }
    }

    #[test]
    fn rp_id_suffix_rule() {
        let u = BaseUrl::parse("https://login.example.se").unwrap();
        assert!(u.allows_rp_id("login.example.se"));
        assert!(u.allows_rp_id("example.se"));
        assert!(!u.allows_rp_id("ample.se"));
        assert!(!u.allows_rp_id("se"));
        assert!(!u.allows_rp_id("other.se"));
    }

    #[test]
    fn rp_id_of_an_ip_address_host_is_exactly_the_address() {
        let v4 = BaseUrl::parse("http://127.0.0.1:8080").unwrap();
        assert!(v4.allows_rp_id("127.0.0.1"));
        for suffix in ["0.0.1", "0.1", "1"] {
            assert!(!v4.allows_rp_id(suffix), "{suffix}");
        }
        let v4 = BaseUrl::parse("https://192.0.2.10/auth").unwrap();
        assert!(v4.allows_rp_id("192.0.2.10"));
        assert!(!v4.allows_rp_id("0.2.10"));
        assert!(!v4.allows_rp_id("2.10"));
        let v6 = BaseUrl::parse("http://[::1]:9").unwrap();
        assert!(v6.allows_rp_id("[::1]"));
        assert!(!v6.allows_rp_id("1]"));
        assert!(!v6.allows_rp_id(":1]"));
        let v6 = BaseUrl::parse("https://[2001:db8::1.2.3.4]").unwrap();
        assert!(v6.allows_rp_id("[2001:db8::1.2.3.4]"));
        assert!(!v6.allows_rp_id("2.3.4]"));
        assert!(!v6.allows_rp_id("3.4]"));
    }

    #[test]
    fn refuses_ip_literals_stacks_would_rewrite() {
        // WHATWG parses a host ending in a number as IPv4 and rewrites 127.1, 0x7f.0.0.1 and
        // 010.0.0.1; only the dotted-quad form reaches the provider unchanged.
        for bad in [
            "https://127.1",
            "https://0x7f.0.0.1",
            "https://010.0.0.1",
            "https://1.2.3.256",
            "https://idp.example.123",
            "https://[zz]",
            "https://[::1",
            "https://a:b:443",
            "https://a]:443",
        ] {
            assert_eq!(BaseUrl::parse(bad), Err(UrlProblem::Malformed), "{bad}");
        }
        assert!(BaseUrl::parse("https://192.0.2.10:8443").is_ok());
        assert!(BaseUrl::parse("https://idp2.example.se").is_ok());
    }

    #[test]
    fn refuses_paths_http_stacks_would_rewrite() {
        let cases = [
            ("https://idp.example.se/inloggning-\u{e5}", "non-ASCII character (percent-encode it)"),
            ("https://idp.example.se/caf\u{e9}/auth", "non-ASCII character (percent-encode it)"),
            ("https://idp.example.se/a/../b", "dot segment"),
            ("https://idp.example.se/a/./b", "dot segment"),
            ("https://idp.example.se/..", "dot segment"),
            ("https://idp.example.se/a/.", "dot segment"),
            ("https://idp.example.se/a/./", "dot segment"),
            ("https://idp.example.se/a/%2e%2E/b", "dot segment"),
            ("https://idp.example.se/a/.%2e", "dot segment"),
            ("https://idp.example.se/a/%2E", "dot segment"),
            ("https://idp.example.se/a%2Fb", "encoded slash"),
            ("https://idp.example.se/a%2fb", "encoded slash"),
            ("https://idp.example.se/a%zzb", "bad percent-escape"),
            ("https://idp.example.se/a%2", "bad percent-escape"),
            ("https://idp.example.se/50%", "bad percent-escape"),
            ("https://idp.example.se/a\"b", "character that must be percent-encoded"),
            ("https://idp.example.se/a{b}", "character that must be percent-encoded"),
            ("https://idp.example.se/a|b", "character that must be percent-encoded"),
            ("https://idp.example.se/a^b", "character that must be percent-encoded"),
            ("https://idp.example.se/a`b", "character that must be percent-encoded"),
            ("https://idp.example.se/a<b>", "character that must be percent-encoded"),
            ("https://idp.example.se/[a]", "character that must be percent-encoded"),
        ];
        for (url, why) in cases {
            assert_eq!(BaseUrl::parse(url), Err(UrlProblem::Path(why)), "{url}");
        }
        // Every stack sends these as written.
        for ok in [
            "https://idp.example.se/inloggning-%C3%A5",
            "https://idp.example.se/a.b/..c/.../d.",
            "https://idp.example.se/~anna/auth_v1-2;x=1,y=(2)!$&'*+:",
            "https://idp.example.se/a%20b/%2Ex",
            "https://idp.example.se//a",
        ] {
            let u = BaseUrl::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e:?}"));
            assert_eq!(u.base, ok, "kept byte for byte");
        }
    }
}
