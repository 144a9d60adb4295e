//! Verifying an AWS Signature Version 4 (`Authorization: AWS4-HMAC-SHA256 ...`) against one
//! secret, so that unmodified SDK clients authenticate with `--auth-token` as their secret access
//! key. The access key id, region and service of the credential scope are whatever the client
//! signed with: only the secret is checked.
//!
//! The canonical request is rebuilt from what arrived (method, path, query, the headers the
//! client listed as signed, the hash of the body read), as AWS documents it, and signed with the
//! key derived from the secret; the signatures are compared in constant time.

use hyper::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a request's `X-Amz-Date` may be from the server's clock, as AWS allows.
pub const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// Everything but the unreserved characters is percent-encoded, as SigV4 requires.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// In the path, `/` stays.
const PATH: &AsciiSet = &STRICT.remove(b'/');

/// The request as it arrived, for verification.
pub struct Signed<'a> {
    pub method: &'a str,
    /// The path as sent, still percent-encoded.
    pub path: &'a str,
    /// The query as sent (after `?`), still percent-encoded.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Why a signature was not accepted: said to the client as AWS would, with the hint.
#[derive(Debug, PartialEq)]
pub enum Rejected {
    /// The `Authorization` header is not a SigV4 one we can read.
    Malformed(String),
    /// Signed too long ago or too far ahead.
    Expired(String),
    /// Not signed with the secret.
    Mismatch,
}

/// `Ok` when `Authorization` carries a SigV4 signature of this request made with `secret`,
/// dated within 15 minutes of `now_ms`.
pub fn verify(req: &Signed, secret: &str, now_ms: i64) -> Result<(), Rejected> {
    let auth = header(req.headers, "authorization").ok_or_else(|| malformed("no Authorization"))?;
    let fields = Fields::parse(auth)?;
    let amz_date = header(req.headers, "x-amz-date")
        .ok_or_else(|| malformed("no X-Amz-Date header: sign with a current SDK"))?;
    let signed_at = parse_amz_date(amz_date)
        .ok_or_else(|| malformed(&format!("X-Amz-Date {amz_date:?} is not YYYYMMDDTHHMMSSZ")))?;
    if (signed_at - now_ms).abs() > MAX_SKEW_MS {
        return Err(Rejected::Expired(format!(
            "Signature expired: {amz_date} is more than 15 minutes from the server's time (check the client's clock)"
        )));
    }
    let scope_date = fields.scope.split('/').next().unwrap_or_default();
    if !amz_date.starts_with(scope_date) || scope_date.len() != 8 {
        return Err(malformed("the credential scope's date is not X-Amz-Date's"));
    }
    let (_, region, service) = scope_parts(&fields.scope)?;
    let canonical = canonical_request(req, &fields.signed_headers)?;
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{}\n{}",
        fields.scope,
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = signing_key(secret, scope_date, region, service);
    let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
    if expected
        .as_bytes()
        .ct_eq(fields.signature.as_bytes())
        .into()
    {
        Ok(())
    } else {
        Err(Rejected::Mismatch)
    }
}

/// SigV4's signing key: the secret, through HMAC-SHA256 of the date, region, service and
/// `aws4_request` in turn.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    // HMAC takes keys of any length, so this never fails; if it did, nothing would match.
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=AKID/SCOPE, SignedHeaders=a;b,
/// Signature=HEX`.
struct Fields<'a> {
    scope: String,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

impl<'a> Fields<'a> {
    fn parse(auth: &'a str) -> Result<Fields<'a>, Rejected> {
        let rest = auth
            .strip_prefix(ALGORITHM)
            .ok_or_else(|| malformed("only AWS4-HMAC-SHA256 signatures are accepted"))?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("Credential", v)) => credential = Some(v),
                Some(("SignedHeaders", v)) => signed = Some(v),
                Some(("Signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature)
        else {
            return Err(malformed(
                "Authorization needs Credential, SignedHeaders and Signature",
            ));
        };
        // The access key id may contain anything but `/`; the scope is the rest.
        let scope = credential
            .split_once('/')
            .map(|(_, s)| s.to_string())
            .ok_or_else(|| malformed("Credential has no scope"))?;
        let signed_headers: Vec<&str> = signed.split(';').collect();
        if !signed_headers.contains(&"host") {
            return Err(malformed("the Host header must be signed"));
        }
        Ok(Fields {
            scope,
            signed_headers,
            signature,
        })
    }
}

/// DATE/REGION/SERVICE/aws4_request.
fn scope_parts(scope: &str) -> Result<(&str, &str, &str), Rejected> {
    match scope.split('/').collect::<Vec<_>>()[..] {
        [date, region, service, "aws4_request"] => Ok((date, region, service)),
        _ => Err(malformed(
            "the credential scope is not DATE/REGION/SERVICE/aws4_request",
        )),
    }
}

/// Method, canonical path, canonical query, the signed headers and the body's hash, one a line.
fn canonical_request(req: &Signed, signed: &[&str]) -> Result<String, Rejected> {
    let mut headers = String::new();
    for name in signed {
        let values: Vec<String> = req
            .headers
            .get_all(*name)
            .iter()
            .map(|v| {
                v.to_str()
                    .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .collect::<Result<_, _>>()
            .map_err(|_| malformed(&format!("signed header {name} is not text")))?;
        if values.is_empty() {
            return Err(malformed(&format!("signed header {name} is missing")));
        }
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = hex(&Sha256::digest(req.body));
    if let Some(claimed) = header(req.headers, "x-amz-content-sha256")
        && claimed != payload
    {
        return Err(malformed(
            "X-Amz-Content-SHA256 is not the hash of the body (unsigned payloads are not accepted)",
        ));
    }
    Ok(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{payload}",
        req.method,
        percent_encode(req.path.as_bytes(), PATH),
        canonical_query(req.query),
        signed.join(";"),
    ))
}

/// The query's pairs decoded, encoded strictly, sorted, joined with `&`.
fn canonical_query(query: &str) -> String {
    let encode = |s: &str| {
        let raw: Vec<u8> = percent_decode_str(s).collect();
        percent_encode(&raw, STRICT).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    joined.join("&")
}

/// `20250102T030405Z` as milliseconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, m, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = crate::data::timestamp::days_from_civil(year.into(), month.into(), day.into());
    let days = i64::try_from(days).ok()?;
    Some(((days * 24 + h) * 60 + m) * 60_000 + sec * 1000)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn malformed(why: &str) -> Rejected {
    Rejected::Malformed(why.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example (IAM ListUsers, "Create a signed AWS API request"), secret
    /// `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`.
    fn example(signature: &str) -> (HeaderMap, String) {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        h.insert("host", "iam.amazonaws.com".parse().unwrap());
        h.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={signature}"
        );
        h.insert("authorization", auth.parse().unwrap());
        (h, "Action=ListUsers&Version=2010-05-08".into())
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const GOOD: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    const AT: i64 = 1_440_938_160_000; // 2015-08-30T12:36:00Z

    fn check(headers: &HeaderMap, query: &str, secret: &str, now: i64) -> Result<(), Rejected> {
        let req = Signed {
            method: "GET",
            path: "/",
            query,
            headers,
            body: b"",
        };
        verify(&req, secret, now)
    }

    #[test]
    fn accepts_aws_documented_example() {
        let (h, q) = example(GOOD);
        assert_eq!(check(&h, &q, SECRET, AT), Ok(()));
        assert_eq!(check(&h, &q, SECRET, AT + MAX_SKEW_MS), Ok(()));
    }

    #[test]
    fn rejects_other_secret_signature_query_or_time() {
        let (h, q) = example(GOOD);
        assert_eq!(check(&h, &q, "other", AT), Err(Rejected::Mismatch));
        assert_eq!(
            check(&h, "Action=ListUsers&Version=2010-05-09", SECRET, AT),
            Err(Rejected::Mismatch)
        );
        let (h2, _) = example(&GOOD.replace('5', "6"));
        assert_eq!(check(&h2, &q, SECRET, AT), Err(Rejected::Mismatch));
        assert!(matches!(
            check(&h, &q, SECRET, AT + MAX_SKEW_MS + 1000),
            Err(Rejected::Expired(_))
        ));
    }

    #[test]
    fn malformed_headers_are_rejected_not_panicked_on() {
        for auth in [
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=x/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=00",
            "AWS4-HMAC-SHA256 Credential=x/2015/a/b/aws4_request, SignedHeaders=host;nothere, Signature=00",
            "AWS4-HMAC-SHA1 Credential=a/b",
        ] {
            let (mut h, q) = example(GOOD);
            h.insert("authorization", auth.parse().unwrap());
            assert!(
                matches!(check(&h, &q, SECRET, AT), Err(Rejected::Malformed(_))),
                "{auth}"
            );
        }
        for date in [
            "2015",
            "20151330T123600Z",
            "2015083OT123600Z",
            "20150830T123600",
        ] {
            let (mut h, q) = example(GOOD);
            h.insert("x-amz-date", date.parse().unwrap());
            assert!(
                matches!(check(&h, &q, SECRET, AT), Err(Rejected::Malformed(_))),
                "{date}"
            );
        }
    }

    #[test]
    fn canonical_query_sorts_and_encodes_strictly() {
        assert_eq!(canonical_query("b=2&a=x%20y&c"), "a=x%20y&b=2&c=");
        assert_eq!(canonical_query("k=a/b~"), "k=a%2Fb~");
        assert_eq!(canonical_query(""), "");
    }
}
