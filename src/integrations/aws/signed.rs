//! One SigV4-signed HTTP(S) client for any AWS service: the request is built by the caller
//! (protocol by protocol), signed with the SDK's own signing crate (`aws-sigv4`) with the
//! credentials and region of the standard chain ([`super::sdk::load`]: dummy credentials for a
//! local endpoint), and sent with hyper. A request that gets no answer is a [`NoAnswer`].
#![allow(clippy::disallowed_methods)] // an edge: a signature and credentials' expiry need the wall clock

use super::sdk::{self, CONNECT_TIMEOUT};
use super::{AWS, NoAnswer};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// A request to sign and send.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    /// The SigV4 signing name (`dynamodb`, `events`, `s3`).
    pub signing_name: &'static str,
    /// The first label of the service's AWS host name.
    pub endpoint_prefix: &'static str,
    /// Put before the AWS host name (S3's virtual-hosted `bucket.`); not used for a local
    /// endpoint, which gets the bucket in the path (path-style).
    pub host_label: Option<String>,
    /// Path and query, already encoded: `/bucket/key?list-type=2`.
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// S3's signing rules: `x-amz-content-sha256`, no double encoding of the path.
    pub s3: bool,
}

/// What the service answered.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value (names are compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A client of one endpoint (a URL, or [`AWS`]), connected on first use.
pub struct Signed {
    endpoint: String,
    operation: Duration,
    conn: OnceLock<Result<Conn, String>>,
}

struct Conn {
    rt: tokio::runtime::Runtime,
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    credentials: Option<SharedCredentialsProvider>,
    /// The last credentials, reused until they are about to expire.
    cached: Mutex<Option<Credentials>>,
    region: String,
}

impl Signed {
    /// A client of `endpoint` whose calls give up after `operation`.
    pub fn new(endpoint: &str, operation: Duration) -> Self {
        Signed {
            endpoint: endpoint.to_string(),
            operation,
            conn: OnceLock::new(),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn conn(&self) -> Result<&Conn, NoAnswer> {
        self.conn
            .get_or_init(|| connect(&self.endpoint, self.operation))
            .as_ref()
            .map_err(|e| NoAnswer::Other(e.clone()))
    }

    /// The region requests are signed for (and AWS hosts named after).
    pub fn region(&self) -> String {
        self.conn()
            .map_or_else(|_| super::DEFAULT_REGION.to_string(), |c| c.region.clone())
    }

    /// Signs and sends `req`; waits at most `limit` (default: the client's operation timeout).
    pub fn call(&self, req: &Request, limit: Option<Duration>) -> Result<Response, NoAnswer> {
        let conn = self.conn()?;
        let credentials = conn.credentials()?;
        let url = self.url(req, &conn.region);
        let http_req = signed_request(req, &url, &credentials, &conn.region)?;
        let limit = limit.unwrap_or(self.operation).min(self.operation);
        conn.rt.block_on(async {
            let send = async {
                let answer = conn.http.request(http_req).await.map_err(|e| {
                    let why = sdk::root_cause(&e);
                    if e.is_connect() {
                        NoAnswer::Unreachable(why)
                    } else {
                        NoAnswer::Other(why)
                    }
                })?;
                let status = answer.status().as_u16();
                let headers = answer
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let body = answer
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| NoAnswer::Other(sdk::root_cause(&e)))?
                    .to_bytes()
                    .to_vec();
                Ok(Response {
                    status,
                    headers,
                    body,
                })
            };
            match tokio::time::timeout(limit, send).await {
                Ok(r) => r,
                Err(_) => Err(NoAnswer::TimedOut(format!(
                    "no answer within {} s",
                    limit.as_secs()
                ))),
            }
        })
    }

    /// The request's URL: the endpoint's, or the service's AWS host in the region.
    fn url(&self, req: &Request, region: &str) -> String {
        if self.endpoint != AWS {
            return format!("{}{}", self.endpoint, req.path_and_query);
        }
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!(
            "https://{}{}.{region}.{suffix}{}",
            req.host_label.as_deref().unwrap_or_default(),
            req.endpoint_prefix,
            req.path_and_query
        )
    }
}

impl Conn {
    fn credentials(&self) -> Result<Credentials, NoAnswer> {
        let fresh = |c: &Credentials| {
            c.expiry().is_none_or(|t| {
                t.duration_since(SystemTime::now())
                    .is_ok_and(|left| left > Duration::from_secs(300))
            })
        };
        if let Ok(cached) = self.cached.lock()
            && let Some(c) = cached.as_ref().filter(|c| fresh(c))
        {
            return Ok(c.clone());
        }
        let Some(provider) = &self.credentials else {
            return Err(NoAnswer::NoCredentials(
                "no credentials provider is configured".into(),
            ));
        };
        let c = self
            .rt
            .block_on(provider.provide_credentials())
            .map_err(|e| NoAnswer::NoCredentials(sdk::root_cause(&e)))?;
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(c.clone());
        }
        Ok(c)
    }
}

/// `http` with TLS (rustls, the system's roots) for `https://` URLs: the one HTTPS connector of
/// every hand-made client (AWS services here, Conductor's HTTP tasks).
pub fn https(http: HttpConnector) -> Result<HttpsConnector<HttpConnector>, String> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| format!("could not load the system's TLS root certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

fn connect(endpoint: &str, operation: Duration) -> Result<Conn, String> {
    let rt = sdk::runtime()?;
    let config = rt.block_on(sdk::load(endpoint, sdk::timeouts(operation)));
    let region = config
        .region()
        .map_or(super::DEFAULT_REGION.to_string(), |r| r.to_string());
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.enforce_http(false);
    let client = Client::builder(TokioExecutor::new()).build(https(http)?);
    Ok(Conn {
        rt,
        http: client,
        credentials: config.credentials_provider(),
        cached: Mutex::new(None),
        region,
    })
}

/// `req` as an HTTP request to `url`, signed.
fn signed_request(
    req: &Request,
    url: &str,
    credentials: &Credentials,
    region: &str,
) -> Result<hyper::Request<Full<Bytes>>, NoAnswer> {
    let bad =
        |e: &dyn std::fmt::Display| NoAnswer::Other(format!("could not build the request: {e}"));
    let mut settings = SigningSettings::default();
    if req.s3 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(req.signing_name)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| bad(&e))?
        .into();
    let signable = SignableRequest::new(
        req.method,
        url,
        req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&req.body),
    )
    .map_err(|e| bad(&e))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| bad(&e))?.into_parts();
    let mut builder = hyper::Request::builder().method(req.method).uri(url);
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let mut http_req = builder
        .body(Full::new(Bytes::from(req.body.clone())))
        .map_err(|e| bad(&e))?;
    instructions.apply_to_request_http1x(&mut http_req);
    Ok(http_req)
}
