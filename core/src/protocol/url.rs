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
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || host == "127.0.0.1"
}

impl BaseUrl {
    pub fn parse(input: &str) -> Result<BaseUrl, UrlProblem> {
        let input = input.trim();
        let (scheme, rest) = input.split_once("://").ok_or(UrlProblem::Malformed)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(UrlProblem::Malformed);
        }
        if rest.contains(['?', '#', '@', '\\']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
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
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
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
        let path = path.trim_end_matches('/').to_owned();
        Ok(BaseUrl { base: format!("{origin}{path}"), origin, host, path })
    }

    /// True when `rp_id` is the host or a dot-boundary suffix of it.
    pub fn allows_rp_id(&self, rp_id: &str) -> bool {
        !rp_id.is_empty()
            && (self.host == rp_id || (self.host.ends_with(rp_id) && self.host[..self.host.len() - rp_id.len()].ends_with('.') && rp_id.contains('.')))
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
        for bad in ["", "idp.example.se", "ftp://x", "https://", "https://a@b", "https://x?y", "https://x:0", "https://x:99999", "https://x:8a", "https://x y"] {
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
}
