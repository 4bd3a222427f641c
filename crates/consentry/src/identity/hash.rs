//! SHA-256 and HMAC-SHA256, the two primitives every derived value is made with (the
//! project id, the rotating and CI install ids, the sample draw, the erasure token and
//! commitment, the notice fingerprint), and the only place that names the crate that
//! computes them.
//!
//! That crate is ring: the `tls` feature needs it for rustls anyway, so hashing with it
//! costs a default build no crate, where the RustCrypto `sha2` + `hmac` stack added
//! nine (issue 18). The outputs are the standard ones (FIPS 180-4, RFC 2104): stores,
//! the gateway and the answers recompute them with their own SHA-256, and the tests
//! below hold ring's HMAC to the RustCrypto one.

use ring::{digest, hmac};

/// An incremental SHA-256.
pub(crate) struct Sha256(digest::Context);

impl Sha256 {
    pub(crate) fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        bytes(self.0.finish().as_ref())
    }
}

/// The SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    bytes(digest::digest(&digest::SHA256, data).as_ref())
}

/// An incremental HMAC-SHA256 under a key of any length.
pub(crate) struct HmacSha256(hmac::Context);

impl HmacSha256 {
    pub(crate) fn new(key: &[u8]) -> Self {
        Self(hmac::Context::with_key(&hmac::Key::new(
            hmac::HMAC_SHA256,
            key,
        )))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        bytes(self.0.sign().as_ref())
    }
}

fn bytes(out: &[u8]) -> [u8; 32] {
    out.try_into().expect("SHA-256 output is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::formats::hex;

    /// The published vectors pin the values every store and test recomputes: FIPS
    /// 180-4's "abc" and RFC 4231's test cases 1, 2 and 6 (a key longer than a block,
    /// which HMAC hashes first).
    #[test]
    fn the_outputs_are_the_published_vectors() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Sha256::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish(), sha256(b"abc"), "incremental is the same digest");
        let cases: [(&[u8], &[u8], &str); 3] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, msg, want) in cases {
            let mut mac = HmacSha256::new(key);
            mac.update(msg);
            assert_eq!(hex(&mac.finish()), want);
        }
    }

    proptest! {
        /// ring's SHA-256 and HMAC-SHA256 equal RustCrypto's (the crates consentry
        /// hashed with before) over keys of any length, including longer than a block,
        /// and messages fed in two pieces split anywhere: every value derived from an
        /// install key stays what it was.
        #[test]
        fn ring_equals_rustcrypto(
            key in proptest::collection::vec(any::<u8>(), 0..200),
            msg in proptest::collection::vec(any::<u8>(), 0..300),
            split in any::<proptest::sample::Index>(),
        ) {
            use ::hmac::Mac as _;
            use sha2::Digest as _;
            let at = split.index(msg.len() + 1);
            let (a, b) = msg.split_at(at);

            let mut h = Sha256::new();
            h.update(a);
            h.update(b);
            let oracle: [u8; 32] = sha2::Sha256::digest(&msg).into();
            prop_assert_eq!(h.finish(), oracle);
            prop_assert_eq!(sha256(&msg), oracle);

            let mut mac = HmacSha256::new(&key);
            mac.update(a);
            mac.update(b);
            let mut oracle = ::hmac::Hmac::<sha2::Sha256>::new_from_slice(&key)
                .expect("HMAC takes any key length");
            oracle.update(&msg);
            let oracle: [u8; 32] = oracle.finalize().into_bytes().into();
            prop_assert_eq!(mac.finish(), oracle);
        }
    }
}
