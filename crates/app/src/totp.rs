//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 30-second steps,
//! six digits): what every authenticator app speaks. Pure functions; the caller passes the time.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Length of a time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted (clock drift between phone and server).
const DRIFT_STEPS: i64 = 1;
/// Bytes in a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    secret
}

/// RFC 4648 base32 without padding, the form authenticator apps take.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 (any case, spaces and padding ignored); `None` when a character is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The HOTP value for a counter (RFC 4226 §5.3), `digits` long.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Checks a code typed at `unix_seconds`. Accepts the current step and one either side, but
/// never a step at or before `last_used` (so a code cannot be replayed). Returns the step the
/// code belongs to, to be remembered as the new `last_used`.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_used: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = code.parse().ok()?;
    let now = step_at(unix_seconds);
    let mut matched = None;
    // Every candidate is computed (no early return) so timing says nothing about which matched.
    for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        let expected = hotp(secret, counter, DIGITS);
        let equal: bool =
            subtle::ConstantTimeEq::ct_eq(&expected.to_be_bytes()[..], &typed.to_be_bytes()[..])
                .into();
        if equal && step > last_used && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` address an authenticator app reads from a QR code.
pub fn provisioning_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{}:{}", encode(issuer), encode(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        base32(secret),
        encode(issuer)
    )
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.into_iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64, 6),
                value,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        for (time, value) in [
            (59_i64, 94287082_u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_at(time) as u64, 8), value, "T={time}");
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_and_refuses_replay() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = |t: i64| format!("{:06}", hotp(&secret, step_at(t) as u64, 6));
        let step = verify(&secret, &code(now), now, 0).expect("current code");
        assert_eq!(step, step_at(now));
        assert!(
            verify(&secret, &code(now - 30), now, 0).is_some(),
            "previous step"
        );
        assert!(
            verify(&secret, &code(now + 30), now, 0).is_some(),
            "next step"
        );
        assert!(
            verify(&secret, &code(now - 90), now, 0).is_none(),
            "too old"
        );
        assert!(verify(&secret, &code(now), now, step).is_none(), "replayed");
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert!(verify(&secret, &spaced, now, 0).is_some(), "spaces ignored");
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert!(verify(&secret, bad, now, 0).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(
            from_base32("mzxw 6ytb oi==").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(from_base32("MZ1"), None);
        let secret = new_secret();
        assert_eq!(from_base32(&base32(&secret)), Some(secret));
    }

    #[test]
    fn provisioning_uri_escapes_the_label() {
        let uri = provisioning_uri("casewindow", "a b@example.org", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/casewindow:a%20b@example.org?secret=MZXW6YTBOI&issuer=casewindow&algorithm=SHA1&digits=6&period=30"
        );
    }
}
