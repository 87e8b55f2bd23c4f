//! The authorization request Entra sends to an external authentication method (an OpenID
//! Connect implicit request: `response_type=id_token`, `response_mode=form_post`, with an
//! `id_token_hint` it signed and a `claims` parameter naming the `acr` and `amr` values it
//! accepts), parsed and checked against the configured method.

use serde_json::Value;

use crate::eam_model::EamMethod;

/// Longest accepted parameter (the hint and `claims` included).
const MAX_PARAM: usize = 8192;
/// Longest accepted `nonce` or `state`.
const MAX_SHORT: usize = 2048;
/// Most `acr` or `amr` values accepted in `claims`.
const MAX_VALUES: usize = 32;

/// Why a request is refused with an error page (nothing is posted to Entra).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A parameter is repeated.
    #[error("a parameter is repeated")]
    Repeated,
    /// A parameter is too long.
    #[error("a parameter is too long")]
    TooLong,
    /// No `client_id`, or not a configured method's.
    #[error("unknown client_id")]
    UnknownClient,
    /// `redirect_uri` is not the method's.
    #[error("redirect_uri is not the method's")]
    WrongRedirectUri,
    /// `response_mode` is not `form_post`.
    #[error("response_mode must be form_post")]
    NotFormPost,
    /// `scope` does not include `openid`.
    #[error("scope must include openid")]
    NoOpenid,
    /// No `nonce`.
    #[error("nonce is required")]
    NoNonce,
    /// No `id_token_hint`.
    #[error("id_token_hint is required")]
    NoHint,
    /// `claims` is not the JSON object of OpenID Connect Core §5.5.
    #[error("claims is malformed")]
    BadClaims,
}

/// A checked request.
#[derive(Clone, PartialEq, Eq)]
pub struct EamRequest {
    /// The method's client id.
    pub client_id: String,
    /// Where the answer goes (the method's redirect URI).
    pub redirect_uri: String,
    /// `state`, returned as it came.
    pub state: Option<String>,
    /// `nonce`, carried into the ID token.
    pub nonce: String,
    /// The hint (verified separately: `hint::verify`).
    pub id_token_hint: String,
    /// The `acr` values `claims` accepts, in its order (empty: it named none).
    pub acr_values: Vec<String>,
    /// The `amr` values `claims` accepts (`None`: it named none).
    pub amr_values: Option<Vec<String>>,
}

impl std::fmt::Debug for EamRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EamRequest")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("acr_values", &self.acr_values)
            .field("amr_values", &self.amr_values)
            .finish_non_exhaustive()
    }
}

/// Whether parameters are an external authentication method's request (`response_type` is
/// exactly `id_token`): the authorization endpoint hands those here.
pub fn is_eam_request(params: &[(String, String)]) -> bool {
    params.iter().any(|(k, v)| k == "response_type" && v == "id_token")
}

/// Parses a request against the method `find` returns for its `client_id`.
pub fn parse(
    params: &[(String, String)],
    find: impl FnOnce(&str) -> Option<EamMethod>,
) -> Result<(EamRequest, EamMethod), RequestError> {
    for (name, value) in params {
        if params.iter().filter(|(k, _)| k == name).count() > 1 {
            return Err(RequestError::Repeated);
        }
        if value.len() > MAX_PARAM {
            return Err(RequestError::TooLong);
        }
    }
    let get = |name: &str| {
        params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    };
    let client_id = get("client_id").ok_or(RequestError::UnknownClient)?;
    let method = find(client_id).ok_or(RequestError::UnknownClient)?;
    if get("redirect_uri") != Some(method.redirect_uri.as_str()) {
        return Err(RequestError::WrongRedirectUri);
    }
    if get("response_mode") != Some("form_post") {
        return Err(RequestError::NotFormPost);
    }
    if let Some(scope) = get("scope") {
        if !scope.split(' ').any(|s| s == "openid") {
            return Err(RequestError::NoOpenid);
        }
    }
    let nonce = get("nonce").ok_or(RequestError::NoNonce)?;
    let state = get("state");
    if nonce.len() > MAX_SHORT || state.is_some_and(|s| s.len() > MAX_SHORT) {
        return Err(RequestError::TooLong);
    }
    let hint = get("id_token_hint").ok_or(RequestError::NoHint)?;
    let (acr_values, amr_values) = match get("claims") {
        Some(c) => requested_values(c)?,
        None => (Vec::new(), None),
    };
    Ok((
        EamRequest {
            client_id: method.client_id.clone(),
            redirect_uri: method.redirect_uri.clone(),
            state: state.map(str::to_owned),
            nonce: nonce.to_owned(),
            id_token_hint: hint.to_owned(),
            acr_values,
            amr_values,
        },
        method,
    ))
}

/// The `acr` and `amr` values of `claims.id_token` (each `{"essential":…, "values":[…]}` or
/// `{"value":…}`). Values with spaces or control characters are refused (they are stored
/// space-separated and never contain either).
fn requested_values(claims: &str) -> Result<(Vec<String>, Option<Vec<String>>), RequestError> {
    let v: Value = serde_json::from_str(claims).map_err(|_| RequestError::BadClaims)?;
    let id_token = match v.get("id_token") {
        None | Some(Value::Null) => return Ok((Vec::new(), None)),
        Some(t @ Value::Object(_)) => t,
        Some(_) => return Err(RequestError::BadClaims),
    };
    let values = |name: &str| -> Result<Option<Vec<String>>, RequestError> {
        let Some(claim) = id_token.get(name) else { return Ok(None) };
        if claim.is_null() {
            return Ok(None);
        }
        let list: Vec<&Value> = match (claim.get("values"), claim.get("value")) {
            (Some(Value::Array(a)), None) => a.iter().collect(),
            (None, Some(one)) => vec![one],
            (None, None) if claim.is_object() => return Ok(None),
            _ => return Err(RequestError::BadClaims),
        };
        if list.len() > MAX_VALUES {
            return Err(RequestError::BadClaims);
        }
        list.into_iter()
            .map(|x| match x.as_str() {
                Some(s) if !s.is_empty() && !s.chars().any(|c| c == ' ' || c.is_control()) => {
                    Ok(s.to_owned())
                }
                _ => Err(RequestError::BadClaims),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    Ok((values("acr")?.unwrap_or_default(), values("amr")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method() -> EamMethod {
        EamMethod {
            client_id: "entra".into(),
            app_id: "app".into(),
            tenants: vec!["t1".into()],
            redirect_uri: "https://login.example/cb".into(),
            issuer_template: "https://iss/{tenantid}/v2.0".into(),
            jwks_uri_template: "https://iss/{tenantid}/keys".into(),
            created_at: 0,
        }
    }

    const CLAIMS: &str = r#"{"id_token":{"acr":{"essential":true,"values":["possessionorinherence"]},"amr":{"essential":true,"values":["face","fido","fpt","hwk","iris","otp","pop","retina","sc","sms","swk","tel","vbm"]}}}"#;

    fn base() -> Vec<(String, String)> {
        [
            ("client_id", "entra"),
            ("redirect_uri", "https://login.example/cb"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("scope", "openid"),
            ("nonce", "n-1"),
            ("state", "s-1"),
            ("id_token_hint", "a.b.c"),
            ("claims", CLAIMS),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn with(name: &str, value: Option<&str>) -> Vec<(String, String)> {
        let mut p: Vec<_> = base().into_iter().filter(|(k, _)| k != name).collect();
        if let Some(v) = value {
            p.push((name.into(), v.into()));
        }
        p
    }

    fn run(p: &[(String, String)]) -> Result<EamRequest, RequestError> {
        parse(p, |id| (id == "entra").then(method)).map(|(r, _)| r)
    }

    #[test]
    fn entras_request_parses_with_its_acr_and_amr_values() {
        assert!(is_eam_request(&base()));
        let r = run(&base()).unwrap();
        assert_eq!(r.nonce, "n-1");
        assert_eq!(r.state.as_deref(), Some("s-1"));
        assert_eq!(r.acr_values, ["possessionorinherence"]);
        assert_eq!(r.amr_values.as_ref().unwrap().len(), 13);
        assert!(!format!("{r:?}").contains("a.b.c"), "the hint stays out of Debug");
        let no_claims = run(&with("claims", None)).unwrap();
        assert_eq!((no_claims.acr_values.len(), no_claims.amr_values), (0, None));
    }

    #[test]
    fn every_rule_has_its_refusal() {
        assert_eq!(run(&with("client_id", Some("other"))), Err(RequestError::UnknownClient));
        assert_eq!(run(&with("client_id", None)), Err(RequestError::UnknownClient));
        assert_eq!(
            run(&with("redirect_uri", Some("https://evil.example/cb"))),
            Err(RequestError::WrongRedirectUri)
        );
        assert_eq!(run(&with("response_mode", Some("query"))), Err(RequestError::NotFormPost));
        assert_eq!(run(&with("scope", Some("profile"))), Err(RequestError::NoOpenid));
        assert_eq!(run(&with("nonce", None)), Err(RequestError::NoNonce));
        assert_eq!(run(&with("id_token_hint", None)), Err(RequestError::NoHint));
        assert_eq!(run(&with("claims", Some("{"))), Err(RequestError::BadClaims));
        assert_eq!(
            run(&with("claims", Some(r#"{"id_token":{"acr":{"values":["a b"]}}}"#))),
            Err(RequestError::BadClaims)
        );
        let mut twice = base();
        twice.push(("nonce".into(), "n-2".into()));
        assert_eq!(run(&twice), Err(RequestError::Repeated));
        assert_eq!(run(&with("state", Some(&"x".repeat(3000)))), Err(RequestError::TooLong));
        let code = with("response_type", Some("code"));
        assert!(!is_eam_request(&code));
    }
}
