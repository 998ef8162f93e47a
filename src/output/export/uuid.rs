//! Name-based UUIDs (version 5, RFC 9562 §5.5) for OSCAL documents.
//!
//! OSCAL wants a UUID on every document and on most objects inside it. Random ones would
//! make two exports of the same arrangement differ, so every UUID here is derived from the
//! identity of what it names (catalog, control, provider, arrangement digest) under one
//! gapcheck namespace: the same input gives the same document, byte for byte, and the same
//! subject keeps its UUID across revisions, as OSCAL's identifier guidance asks.
//!
//! Version 5 is defined over SHA-1; that is the RFC's choice, not a security property we
//! rely on (these are identifiers, not digests).

use sha1::{Digest, Sha1};

/// RFC 9562's namespace for URLs (`6ba7b811-9dad-11d1-80b4-00c04fd430c8`).
const NAMESPACE_URL: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

/// A version-5 UUID of `name` in `namespace`, in the canonical lower-case form.
pub fn v5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name);
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // version 5
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
    format(&b)
}

fn format(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn parse(s: &str) -> [u8; 16] {
    let hex: Vec<u8> = s.bytes().filter(|c| *c != b'-').collect();
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).expect("ascii hex");
        out[i] = u8::from_str_radix(text, 16).expect("hex digit");
    }
    out
}

/// gapcheck's own namespace: the URL-namespace UUID of `urn:gapcheck:oscal`. Changing it
/// would change every exported UUID, so it is fixed here and tested.
pub fn namespace() -> [u8; 16] {
    parse(&v5(&NAMESPACE_URL, b"urn:gapcheck:oscal"))
}

/// The UUID of one subject, named by its parts (joined with a separator no part can hold
/// ambiguously: each part is length-prefixed).
pub fn of(parts: &[&str]) -> String {
    let mut name = Vec::new();
    for p in parts {
        name.extend_from_slice(p.len().to_string().as_bytes());
        name.push(b':');
        name.extend_from_slice(p.as_bytes());
    }
    v5(&namespace(), &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMESPACE_DNS: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];

    #[test]
    fn matches_the_rfc_example() {
        // RFC 9562, appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
        assert_eq!(
            v5(&NAMESPACE_DNS, b"www.example.com"),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        );
    }

    #[test]
    fn namespace_is_stable_and_parts_do_not_run_together() {
        assert_eq!(
            format(&namespace()),
            v5(&NAMESPACE_URL, b"urn:gapcheck:oscal")
        );
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_eq!(of(&["x"]), of(&["x"]));
        let u = of(&["x"]);
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
