//! The key under which the SQL backends store a definition or handler configuration once: the
//! lowercase hex SHA-256 of its UTF-8 text. PostgreSQL's migration computes the same key in SQL
//! (`encode(sha256(convert_to(t, 'UTF8')), 'hex')`), so rows written before and after agree.

use sha2::{Digest, Sha256};

/// The key of `text` in the `texts` table.
pub(crate) fn key(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_is_the_hex_sha256() {
        assert_eq!(
            super::key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
