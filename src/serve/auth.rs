//! `--auth-token`: the proofs of the token a request may carry, each the way its client sends a
//! credential unchanged —
//! - `Authorization: Bearer TOKEN` (curl, scripts);
//! - `X-Authorization: TOKEN` (conductor-python, after trading its key secret for the token at
//!   `POST /api/token`, see `token_exchange`);
//! - an AWS SigV4 signature made with TOKEN as the secret access key (boto3, the AWS CLI, the
//!   SDKs; any access key id), verified in `sigv4.rs`.
//!
//! Tokens are compared in constant time (their SHA-256 digests, so the length leaks nothing).

use super::sigv4::{self, Rejected, Signed};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a request was not let in.
#[derive(Debug, PartialEq)]
pub enum Denied {
    /// 401: it carries no credential.
    Missing,
    /// 403: it carries one that is not the token (what was wrong).
    Wrong(String),
}

impl Denied {
    pub fn status(&self) -> u16 {
        match self {
            Denied::Missing => 401,
            Denied::Wrong(_) => 403,
        }
    }

    /// The AWS error code of the refusal.
    pub fn aws_code(&self) -> &'static str {
        match self {
            Denied::Missing => "MissingAuthenticationTokenException",
            Denied::Wrong(_) => "InvalidSignatureException",
        }
    }

    pub fn message(&self) -> String {
        let hint = "stepwise serve runs with --auth-token: send Authorization: Bearer TOKEN, or sign with the token as the AWS secret access key (any access key id)";
        match self {
            Denied::Missing => format!("Missing authentication token: {hint}"),
            Denied::Wrong(why) => format!("{why} ({hint})"),
        }
    }
}

/// `Ok` when the request proves `token`; `now_ms` dates SigV4 signatures.
pub fn check(token: &str, req: &Signed, now_ms: i64) -> Result<(), Denied> {
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(auth) = header("authorization") {
        if let Some(bearer) = auth.strip_prefix("Bearer ") {
            return same(token, bearer.trim())
                .then_some(())
                .ok_or_else(|| Denied::Wrong("the bearer token is not the server's".into()));
        }
        return sigv4::verify(req, token, now_ms).map_err(|r| Denied::Wrong(rejected(r)));
    }
    if let Some(given) = header("x-authorization") {
        return same(token, given.trim())
            .then_some(())
            .ok_or_else(|| Denied::Wrong("the X-Authorization token is not the server's".into()));
    }
    Err(Denied::Missing)
}

/// Conductor's `POST /api/token` `{"keyId", "keySecret"}`: with the server's token as the key
/// secret (any key id), the answer `{"token"}` is what conductor-python then sends as
/// `X-Authorization`. `None` when the body is not such a request with the right secret.
pub fn token_exchange(token: &str, body: &[u8]) -> Option<serde_json::Value> {
    let request: serde_json::Value = serde_json::from_slice(body).ok()?;
    let secret = request.get("keySecret")?.as_str()?;
    same(token, secret).then(|| serde_json::json!({ "token": token }))
}

/// Whether `given` is `token`, compared in constant time (their digests: the length leaks
/// nothing). The API's proofs and the console's sign-in both compare with it.
pub fn same(token: &str, given: &str) -> bool {
    let (a, b) = (Sha256::digest(token), Sha256::digest(given));
    a.as_slice().ct_eq(b.as_slice()).into()
}

fn rejected(r: Rejected) -> String {
    match r {
        Rejected::Malformed(why) => format!("The request signature could not be read: {why}"),
        Rejected::Expired(why) => why,
        Rejected::Mismatch => "The request signature we calculated does not match the signature you provided: the secret access key must be the server's token".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::HeaderMap;

    fn check_with(pairs: &[(&'static str, &str)]) -> Result<(), Denied> {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(*k, v.parse().unwrap());
        }
        let req = Signed {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        check("s3cret", &req, 0)
    }

    #[test]
    fn bearer_and_x_authorization() {
        assert_eq!(check_with(&[("authorization", "Bearer s3cret")]), Ok(()));
        assert_eq!(check_with(&[("x-authorization", "s3cret")]), Ok(()));
        assert_eq!(check_with(&[]), Err(Denied::Missing));
        assert_eq!(check_with(&[]).unwrap_err().status(), 401);
        for wrong in [
            ("authorization", "Bearer s3cre"),
            ("authorization", "Bearer s3cret2"),
            ("authorization", "Basic czNjcmV0"),
            ("x-authorization", "nope"),
        ] {
            assert_eq!(check_with(&[wrong]).unwrap_err().status(), 403, "{wrong:?}");
        }
    }

    #[test]
    fn token_exchange_needs_the_secret() {
        let ok = token_exchange("s3cret", br#"{"keyId": "any", "keySecret": "s3cret"}"#);
        assert_eq!(ok, Some(serde_json::json!({"token": "s3cret"})));
        assert_eq!(token_exchange("s3cret", br#"{"keySecret": "x"}"#), None);
        assert_eq!(token_exchange("s3cret", b"not json"), None);
    }
}
