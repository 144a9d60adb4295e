//! Text made safe for XML and HTML: JUnit reports, the SVG drawings and the web console's pages
//! all escape with this one function.

/// `s` as XML (and HTML) text; `in_attr`: as an attribute value.
pub fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, in_attr);
    out
}

// Whitespace in attributes is written as character references because attribute-value
// normalization turns literal tabs and newlines into spaces; `\r` is escaped everywhere because
// line-end normalization would drop it.
pub fn escape_into(out: &mut String, s: &str, in_attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\t' if in_attr => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

// XML 1.0 `Char`, less what `escape` handles first; surrogates cannot occur in a `char`.
fn is_xml_char(c: char) -> bool {
    !(c < '\u{20}' || c == '\u{FFFE}' || c == '\u{FFFF}')
}
