//! HMAC-SHA256 signing and verification of message frames.
//!
//! Invariant: verification is constant-time (it goes through
//! `Mac::verify_slice`), and an empty key means "unsigned" only because the
//! connection file said so: [`Signer::from_connection`] is the one place that
//! decides it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The only scheme the Jupyter spec defines and the only one we accept.
pub const SUPPORTED_SCHEME: &str = "hmac-sha256";

/// Why a connection file's signing settings were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SchemeError {
    /// The connection file names a scheme other than `hmac-sha256`.
    #[error("unsupported signature scheme {0:?}: memscope supports only \"hmac-sha256\"")]
    Unsupported(String),
}

/// Signs outgoing frames and verifies incoming ones.
#[derive(Clone)]
pub struct Signer {
    mac: Option<HmacSha256>,
}

/// The result of checking an incoming signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The signature matches the frames.
    Valid,
    /// The signature is present but wrong, or not hex.
    Mismatch,
    /// The key is set but the message carries no signature.
    Missing,
}

impl Signer {
    /// Builds a signer from a connection file's `key` and `signature_scheme`.
    /// An empty key disables signing, as the spec allows; any scheme other
    /// than hmac-sha256 is refused rather than silently ignored.
    pub fn from_connection(key: &str, scheme: &str) -> Result<Signer, SchemeError> {
        if !scheme.is_empty() && scheme != SUPPORTED_SCHEME {
            return Err(SchemeError::Unsupported(scheme.to_owned()));
        }
        if key.is_empty() {
            return Ok(Signer { mac: None });
        }
        let mac =
            HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
        Ok(Signer { mac: Some(mac) })
    }

    /// Whether messages are signed at all.
    pub fn is_signing(&self) -> bool {
        self.mac.is_some()
    }

    /// The hex signature of the four signed frames (empty when unsigned).
    pub fn sign(&self, parts: [&[u8]; 4]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Checks `signature` (hex) against the four signed frames.
    pub fn verify(&self, signature: &[u8], parts: [&[u8]; 4]) -> Verdict {
        let Some(mac) = &self.mac else {
            return Verdict::Valid;
        };
        if signature.is_empty() {
            return Verdict::Missing;
        }
        let Ok(expected) = hex::decode(signature) else {
            return Verdict::Mismatch;
        };
        let mut mac = mac.clone();
        for part in parts {
            mac.update(part);
        }
        match mac.verify_slice(&expected) {
            Ok(()) => Verdict::Valid,
            Err(_) => Verdict::Mismatch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTS: [&[u8]; 4] = [b"{\"h\":1}", b"{}", b"{}", b"{\"code\":\"1\"}"];

    #[test]
    fn signature_round_trips() {
        let signer = Signer::from_connection("secret", "hmac-sha256").unwrap();
        let sig = signer.sign(PARTS);
        assert_eq!(sig.len(), 64);
        assert_eq!(signer.verify(sig.as_bytes(), PARTS), Verdict::Valid);
    }

    #[test]
    fn known_vector_matches_python_hmac() {
        // hmac.new(b"key", b"abcd", hashlib.sha256).hexdigest(): the four
        // frames are signed as one concatenated byte string.
        let signer = Signer::from_connection("key", "hmac-sha256").unwrap();
        assert_eq!(
            signer.sign([b"a", b"b", b"c", b"d"]),
            "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
        );
    }

    #[test]
    fn wrong_key_missing_and_garbage_signatures_are_rejected() {
        let signer = Signer::from_connection("secret", "hmac-sha256").unwrap();
        let other = Signer::from_connection("other", "hmac-sha256").unwrap();
        let sig = other.sign(PARTS);
        assert_eq!(signer.verify(sig.as_bytes(), PARTS), Verdict::Mismatch);
        assert_eq!(signer.verify(b"", PARTS), Verdict::Missing);
        assert_eq!(signer.verify(b"zz-not-hex", PARTS), Verdict::Mismatch);
        let tampered: [&[u8]; 4] = [PARTS[0], PARTS[1], PARTS[2], b"{\"code\":\"2\"}"];
        let good = signer.sign(PARTS);
        assert_eq!(signer.verify(good.as_bytes(), tampered), Verdict::Mismatch);
    }

    #[test]
    fn empty_key_means_unsigned() {
        let signer = Signer::from_connection("", "hmac-sha256").unwrap();
        assert!(!signer.is_signing());
        assert_eq!(signer.sign(PARTS), "");
        assert_eq!(signer.verify(b"", PARTS), Verdict::Valid);
    }

    #[test]
    fn other_schemes_are_refused() {
        assert_eq!(
            Signer::from_connection("k", "hmac-md5").err(),
            Some(SchemeError::Unsupported("hmac-md5".into()))
        );
    }
}
