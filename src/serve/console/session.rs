//! The console's proof of `--auth-token`: a browser cannot add `Authorization` to a link, so the
//! console asks for the token once (`POST /console/login`) and keeps a session cookie — an
//! HMAC of the token, never the token itself — `HttpOnly` and `SameSite=Strict`, so a page of
//! another site can neither read it nor send it. Checked with the same constant-time comparison
//! as the API's proofs; the console's actions then run the API's own operations.

use super::html;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper::Response;
use hyper::http::request::Parts;
use sha2::Sha256;

const COOKIE: &str = "stepwise_console";

/// The cookie value that proves `token`.
fn session_of(token: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes()).expect("HMAC takes any key");
    mac.update(b"stepwise console session v1");
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session cookie the request carries, if any.
fn cookie(head: &Parts) -> Option<&str> {
    head.headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// `None` when the request may go on: a stylesheet or script, or a valid session. Otherwise the
/// answer: the login page, or the login itself.
pub fn check(token: &str, head: &Parts, body: &[u8]) -> Option<Response<Full<Bytes>>> {
    let path = head.uri.path();
    if path.starts_with("/console/assets/") {
        return None;
    }
    if path == "/console/login" && head.method == hyper::Method::POST {
        return Some(login(token, body));
    }
    let expected = session_of(token);
    if cookie(head).is_some_and(|c| crate::serve::auth::same(&expected, c)) {
        return None;
    }
    // `GET /` answers 200 (load balancers' health checks), anything else 401.
    let status = if path == "/" { 200 } else { 401 };
    Some(super::respond(status, login_page(None, path)))
}

/// `POST /console/login` with `token` (and `next`, the page to return to).
fn login(token: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let form = super::Form::parse(body);
    let given = form.get("token").unwrap_or_default();
    let next = super::local_path(form.get("next").unwrap_or("/"));
    if !crate::serve::auth::same(token, given) {
        return super::respond(
            401,
            login_page(Some("That is not the server's --auth-token."), next),
        );
    }
    let mut r = super::redirect(next);
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        session_of(token)
    );
    if let Ok(v) = cookie.parse() {
        r.headers_mut().insert("set-cookie", v);
    }
    r
}

fn login_page(error: Option<&str>, next: &str) -> String {
    let error = error.map(|e| html::notice("bad", e)).unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{error}<p>This server runs with <code>--auth-token</code>: enter the \
         token to use the console.</p>\
         <form method=\"post\" action=\"/console/login\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <input type=\"password\" name=\"token\" autocomplete=\"current-password\" autofocus \
         aria-label=\"token\"> <button class=\"primary\">Sign in</button></form>",
        next = html::esc(next)
    );
    html::page("Sign in", html::Section::None, false, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &str, path: &str, cookie: Option<&str>) -> Parts {
        let mut b = hyper::Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_session_cookie_proves_the_token_and_nothing_else_does() {
        let good = format!("a=b; {COOKIE}={}", session_of("secret"));
        assert!(check("secret", &head("GET", "/console/queues", Some(&good)), b"").is_none());
        let other = format!("{COOKIE}={}", session_of("other"));
        let refused = check("secret", &head("GET", "/console/queues", Some(&other)), b"");
        assert_eq!(refused.map(|r| r.status().as_u16()), Some(401));
        let home = check("secret", &head("GET", "/", None), b"");
        assert_eq!(
            home.map(|r| r.status().as_u16()),
            Some(200),
            "the login page"
        );
        assert!(
            check(
                "secret",
                &head("GET", "/console/assets/console.css", None),
                b""
            )
            .is_none()
        );
    }

    #[test]
    fn logging_in_sets_the_cookie_only_for_the_token() {
        let r = check(
            "secret",
            &head("POST", "/console/login", None),
            b"token=secret&next=%2Fconsole%2Fqueues",
        )
        .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(r.headers()["location"], "/console/queues");
        let set = r.headers()["set-cookie"].to_str().unwrap();
        assert!(set.contains(&session_of("secret")) && set.contains("HttpOnly"));
        let r = check(
            "secret",
            &head("POST", "/console/login", None),
            b"token=nope",
        )
        .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        assert!(r.headers().get("set-cookie").is_none());
    }
}
