//! Who may talk to the server, checked on a request's head before its body is read: the Host
//! must be one the server answers to (loopback names and `--allow-host`: a DNS-rebinding page
//! names its own host), an `Origin` must be one too (a browser page of another site), and the
//! JSON APIs take JSON content types only (a browser form can send `text/plain`,
//! `application/x-www-form-urlencoded` and `multipart/form-data` cross-site without asking).
//! SQS's Query protocol is such a form, so a Query request must also carry an `Authorization`
//! header, as every SDK and the AWS CLI send (a signature): a page cannot add one cross-site
//! without a preflight, which the server does not answer, nor to a link or an image.
//! Then, with `--auth-token`, the proof of the token (`auth.rs`).

use hyper::HeaderMap;
use hyper::http::request::Parts;

/// What a request speaks, from its head: its checks, answers and refusals take its form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Api {
    /// AWS JSON 1.0 (`X-Amz-Target`).
    Aws,
    /// SQS's Query protocol: a form (`application/x-www-form-urlencoded`), or an `Action` in
    /// the query string.
    Query,
    /// Conductor's REST API (`/api/`).
    Conductor,
    /// The web console: `GET /` and everything under `/console/` (`serve::console`).
    Console,
    /// Anything else (`GET /`).
    Other,
}

impl Api {
    pub fn of(head: &Parts) -> Api {
        let path = head.uri.path();
        let query = head.uri.query().unwrap_or("");
        if path == "/api" || path.starts_with("/api/") {
            Api::Conductor
        } else if path.starts_with("/console/") {
            Api::Console
        } else if head.headers.contains_key("x-amz-target") {
            Api::Aws
        } else if media_type(&head.headers).is_some_and(|m| m.eq_ignore_ascii_case(FORM))
            || form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "Action")
        {
            Api::Query
        } else if path == "/" && head.method == hyper::Method::GET {
            Api::Console
        } else {
            Api::Other
        }
    }
}

/// The content type of Query requests.
const FORM: &str = "application/x-www-form-urlencoded";

/// The hosts the server answers to and the token it requires.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Lower-case host names and addresses, without port; IPv6 in brackets.
    hosts: Vec<String>,
    /// `--allow-host '*'`: any Host.
    any_host: bool,
    /// `--auth-token`: what every request must prove.
    pub token: Option<String>,
}

/// Names every server answers to, whatever it binds.
const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The content types of AWS JSON requests: boto3, the AWS CLI and the Rust SDK send
/// `application/x-amz-json-1.0` to Step Functions and SQS; 1.1 and plain JSON are other SDKs'.
const AWS_JSON: [&str; 3] = [
    "application/x-amz-json-1.0",
    "application/x-amz-json-1.1",
    "application/json",
];

/// Why a request was refused before it was read.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// 403: the Host header names a host not allowed (or there is none).
    Host(String),
    /// 403: the Origin header names a site not allowed.
    Origin(String),
    /// 415: a body whose content type is not JSON.
    ContentType(String),
    /// 403: a Query request without an `Authorization` header.
    Unsigned,
    /// 403: a console form posted without an `Origin` header (browsers send one with every
    /// form; its absence means the post did not come from a page the server checked).
    NoOrigin,
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Host(_) | Refusal::Origin(_) | Refusal::Unsigned | Refusal::NoOrigin => 403,
            Refusal::ContentType(_) => 415,
        }
    }

    /// What the client is told, with what to do.
    pub fn message(&self) -> String {
        match self {
            Refusal::Host(h) if h.is_empty() => {
                "the request has no Host header: send one (HTTP/1.1 requires it)".to_string()
            }
            Refusal::Host(h) => format!(
                "Host {h:?} is not allowed: stepwise serve answers to localhost and its own address only (a guard against DNS rebinding); start it with --allow-host {} (or STEPWISE_ALLOW_HOST) to allow this name",
                host_name(h).unwrap_or("NAME")
            ),
            Refusal::Origin(o) => format!(
                "requests from the web page at {o:?} are not allowed (a guard against cross-site requests); if this site is yours, start stepwise serve with --allow-host {}",
                origin_host(o).and_then(host_name).unwrap_or("NAME")
            ),
            Refusal::ContentType(t) => format!(
                "Content-Type {t:?} is not accepted: send JSON (application/x-amz-json-1.0 with X-Amz-Target, application/json under /api/), or a form (application/x-www-form-urlencoded) with Action for SQS's Query protocol"
            ),
            Refusal::NoOrigin => "a console action must come from the console's page: the form was posted without an Origin header (use the buttons in a browser, or the AWS API with X-Amz-Target)".to_string(),
            Refusal::Unsigned => "an SQS Query request must be signed: send an Authorization header (AWS SigV4, as the SDKs and the AWS CLI do; any credentials unless the server has --auth-token), so that a web page of another site cannot send it as a form or a link".to_string(),
        }
    }
}

impl Policy {
    /// Loopback names, the host of `bound` (the address listened on) and every `extra` name
    /// (`*` for any).
    pub fn new(bound: &str, extra: &[String], token: Option<String>) -> Policy {
        let mut hosts: Vec<String> = LOOPBACK.iter().map(|h| h.to_string()).collect();
        // Not 0.0.0.0 or [::]: no client names those, but browsers route them to loopback.
        let own = host_name(bound).filter(|h| !matches!(*h, "0.0.0.0" | "[::]"));
        hosts.extend(own.map(str::to_ascii_lowercase));
        let any_host = extra.iter().any(|h| h.trim() == "*");
        for name in extra.iter().map(|h| h.trim()).filter(|h| !h.is_empty()) {
            hosts.push(host_name(name).unwrap_or(name).to_ascii_lowercase());
        }
        Policy {
            hosts,
            any_host,
            token: token.filter(|t| !t.is_empty()),
        }
    }

    /// Whether `host` (`name`, `name:port`, `[v6]:port`) is one the server answers to. An
    /// allowed name prefixed with `sync-` is too: the SDKs send StartSyncExecution there (the
    /// README's `/etc/hosts` mapping of `sync-localhost`).
    pub fn host_allowed(&self, host: &str) -> bool {
        self.any_host
            || host_name(host).is_some_and(|name| {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let unprefixed = name.strip_prefix("sync-").unwrap_or(&name);
                self.hosts.iter().any(|h| *h == name || h == unprefixed)
            })
    }

    /// Host, Origin and content type of a request's head, and for Query requests the presence
    /// of a signature.
    pub fn check(&self, headers: &HeaderMap, api: Api) -> Result<(), Refusal> {
        let host = text(headers, "host").unwrap_or_default();
        if !self.host_allowed(host) {
            return Err(Refusal::Host(host.to_string()));
        }
        if let Some(origin) = text(headers, "origin")
            && !origin_host(origin).is_some_and(|h| self.host_allowed(h))
        {
            return Err(Refusal::Origin(origin.to_string()));
        }
        let media = media_type(headers);
        let is = |allowed: &[&str]| {
            media.is_some_and(|m| allowed.iter().any(|a| a.eq_ignore_ascii_case(m)))
        };
        let refused = || Refusal::ContentType(text(headers, "content-type").unwrap_or("").into());
        match api {
            Api::Aws if !is(&AWS_JSON) => Err(refused()),
            Api::Conductor if has_body(headers) && !is(&["application/json"]) => Err(refused()),
            Api::Query if has_body(headers) && !is(&[FORM]) => Err(refused()),
            Api::Query if !headers.contains_key("authorization") => Err(Refusal::Unsigned),
            Api::Console if has_body(headers) && !is(&[FORM]) => Err(refused()),
            Api::Console if has_body(headers) && !headers.contains_key("origin") => {
                Err(Refusal::NoOrigin)
            }
            _ => Ok(()),
        }
    }

    /// `--allow-host '*'`: any Host, so DNS rebinding is not stopped (for the start-up warning).
    pub fn allows_any_host(&self) -> bool {
        self.any_host
    }

    /// Whether the server would answer to a name other than loopback (for the start-up warning).
    pub fn is_loopback_only(bound: &str) -> bool {
        host_name(bound).is_some_and(|h| {
            LOOPBACK.contains(&h) || h.starts_with("127.") || h.eq_ignore_ascii_case("localhost")
        })
    }
}

/// A body follows: a non-zero Content-Length, or a chunked one.
fn has_body(headers: &HeaderMap) -> bool {
    let length = text(headers, "content-length").is_some_and(|l| l.trim() != "0");
    length || headers.contains_key("transfer-encoding")
}

/// The media type of `Content-Type`, without parameters.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    text(headers, "content-type").map(|t| t.split(';').next().unwrap_or("").trim())
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The name of `host[:port]` (`[v6]` keeps its brackets); `None` when empty or not a name.
fn host_name(host: &str) -> Option<&str> {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next()?
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    valid.then_some(name)
}

/// `scheme://host[:port]` → `host[:port]`; `None` for `null` and other opaque origins.
fn origin_host(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn hosts_loopback_bound_and_allowed() {
        let p = Policy::new("10.0.0.5:8083", &["stepwise".into()], None);
        assert!(!Policy::new("0.0.0.0:8083", &[], None).host_allowed("0.0.0.0:8083"));
        for ok in [
            "localhost",
            "LOCALHOST:8083",
            "127.0.0.1:1",
            "[::1]:8083",
            "[::1]",
            "10.0.0.5:8083",
            "stepwise:9",
            "localhost.",
            "sync-localhost:8083",
        ] {
            assert!(p.host_allowed(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.com",
            "sync-evil.com",
            "evil.com:8083",
            "127.0.0.2",
            "localhost.evil.com",
            "[::2]:80",
            "stepwise.evil",
        ] {
            assert!(!p.host_allowed(bad), "{bad}");
        }
        assert!(Policy::new("127.0.0.1:1", &["*".into()], None).host_allowed("evil.com"));
    }

    #[test]
    fn checks_origin_and_content_types() {
        let p = Policy::new("127.0.0.1:8083", &[], None);
        let json = ("content-type", "application/x-amz-json-1.0");
        let host = ("host", "127.0.0.1:8083");
        assert_eq!(p.check(&head(&[host, json]), Api::Aws), Ok(()));
        let foreign = head(&[("host", "evil.com"), json]);
        assert_eq!(p.check(&foreign, Api::Aws).unwrap_err().status(), 403);
        let origin = head(&[host, json, ("origin", "http://evil.com")]);
        assert!(matches!(
            p.check(&origin, Api::Aws),
            Err(Refusal::Origin(_))
        ));
        let null = head(&[host, json, ("origin", "null")]);
        assert!(matches!(p.check(&null, Api::Aws), Err(Refusal::Origin(_))));
        let own = head(&[host, json, ("origin", "http://localhost:3000")]);
        assert_eq!(p.check(&own, Api::Aws), Ok(()));
        let form = head(&[
            host,
            ("content-type", "text/plain"),
            ("content-length", "3"),
        ]);
        assert_eq!(p.check(&form, Api::Aws).unwrap_err().status(), 415);
        assert_eq!(p.check(&form, Api::Conductor).unwrap_err().status(), 415);
        let api = head(&[
            host,
            ("content-type", "Application/JSON; charset=utf-8"),
            ("content-length", "3"),
        ]);
        assert_eq!(p.check(&api, Api::Conductor), Ok(()));
        let no_body = head(&[host, ("content-length", "0")]);
        assert_eq!(p.check(&no_body, Api::Conductor), Ok(()));
        let chunked = head(&[host, ("transfer-encoding", "chunked")]);
        assert!(p.check(&chunked, Api::Conductor).is_err());
    }

    #[test]
    fn query_requests_are_forms_and_signed() {
        let p = Policy::new("127.0.0.1:8083", &[], None);
        let host = ("host", "127.0.0.1:8083");
        let form = (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        let body = ("content-length", "20");
        let signed = ("authorization", "AWS4-HMAC-SHA256 Credential=x");
        assert_eq!(
            p.check(&head(&[host, form, body, signed]), Api::Query),
            Ok(())
        );
        assert_eq!(
            p.check(&head(&[host, form, body]), Api::Query),
            Err(Refusal::Unsigned)
        );
        let text = ("content-type", "text/plain");
        assert_eq!(
            p.check(&head(&[host, text, body, signed]), Api::Query)
                .unwrap_err()
                .status(),
            415
        );
        // `GET /?Action=...` has no body.
        assert_eq!(p.check(&head(&[host, signed]), Api::Query), Ok(()));
        let evil = ("origin", "http://evil.example");
        assert!(matches!(
            p.check(&head(&[host, form, body, signed, evil]), Api::Query),
            Err(Refusal::Origin(_))
        ));
    }

    #[test]
    fn what_a_request_speaks() {
        let api = |method: &str, uri: &str, pairs: &[(&'static str, &str)]| {
            let mut r = hyper::Request::builder().method(method).uri(uri);
            for (k, v) in pairs {
                r = r.header(*k, *v);
            }
            Api::of(&r.body(()).unwrap().into_parts().0)
        };
        let form = ("content-type", "Application/X-WWW-Form-Urlencoded");
        assert_eq!(api("POST", "/", &[form]), Api::Query);
        assert_eq!(api("POST", "/1/q", &[form]), Api::Query);
        assert_eq!(api("GET", "/?Action=ListQueues&Version=1", &[]), Api::Query);
        assert_eq!(api("GET", "/?action=x", &[]), Api::Console);
        assert_eq!(api("GET", "/", &[]), Api::Console);
        assert_eq!(api("GET", "/health", &[]), Api::Other);
        assert_eq!(api("POST", "/console/task/success", &[form]), Api::Console);
        assert_eq!(api("GET", "/console/queues?Action=x", &[]), Api::Console);
        let target = ("x-amz-target", "AmazonSQS.ListQueues");
        assert_eq!(api("POST", "/", &[form, target]), Api::Aws);
        assert_eq!(api("POST", "/api/x?Action=y", &[form]), Api::Conductor);
    }

    #[test]
    fn loopback_binds() {
        assert!(Policy::is_loopback_only("127.0.0.1:8083"));
        assert!(Policy::is_loopback_only("localhost:1"));
        assert!(Policy::is_loopback_only("[::1]:1"));
        assert!(!Policy::is_loopback_only("0.0.0.0:8083"));
        assert!(!Policy::is_loopback_only("[::]:8083"));
    }
}
