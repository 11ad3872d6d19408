//! Throws 120,000 generated multipart messages at the decoder: random
//! routing frames, a delimiter present, missing or garbled, signatures that
//! are right, wrong, missing, not hex or of another scheme, headers and
//! contents that are valid, not JSON, JSON of the wrong shape, unknown
//! message types, headers naming other sessions, empty and oversized frames.
//!
//! Checks, for every message: `decode` returns instead of panicking; a
//! message whose signature is not the right HMAC of its frames is never
//! accepted; a correctly signed message with a valid header is accepted with
//! that header's type (its content may still be reported as unparsable);
//! an oversized frame is refused before anything else. The generator is a
//! fixed-seed xorshift, so a failure names a case that can be replayed.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use memscope_protocol::signing::Signer;
use memscope_protocol::wire::{DELIMITER, Decoded, DropReason, MAX_FRAME_BYTES, decode};
use sha2::{Sha256, Sha512};

const CASES: usize = 120_000;
const KEY: &str = "a-connection-file-key";

/// A small deterministic generator (xorshift64*).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }
}

const TYPES: &[&str] = &[
    "execute_request",
    "kernel_info_request",
    "complete_request",
    "inspect_request",
    "history_request",
    "is_complete_request",
    "comm_info_request",
    "shutdown_request",
    "interrupt_request",
    "input_reply",
    "no_such_request",
    "",
    "execute_reply",
];

fn header(dice: &mut Dice) -> (String, Option<String>) {
    let msg_type = dice.pick(TYPES).to_owned();
    let session = if dice.chance(20) {
        "someone-else"
    } else {
        "our-session"
    };
    let text = match dice.below(10) {
        // A sound header.
        0..=5 => format!(
            r#"{{"msg_id":"id-{}","username":"u","session":"{session}","date":"2026-11-26T00:00:00Z","msg_type":"{msg_type}","version":"5.3"}}"#,
            dice.next()
        ),
        // Valid JSON of the wrong shape.
        6 => r#"{"msg_id":5,"msg_type":["execute_request"]}"#.to_owned(),
        7 => "[1, 2, 3]".to_owned(),
        // Not JSON.
        8 => String::from_utf8_lossy(&dice.bytes(64)).into_owned(),
        // Truncated JSON.
        _ => r#"{"msg_id":"x","msg_type":"execute_req"#.to_owned(),
    };
    let sound = text.starts_with(r#"{"msg_id":"id-"#);
    (text, sound.then_some(msg_type))
}

fn content(dice: &mut Dice) -> String {
    match dice.below(8) {
        0 => "{}".to_owned(),
        1 => r#"{"code":"1 + 1","silent":false}"#.to_owned(),
        2 => r#"{"code":5}"#.to_owned(),
        3 => r#"{"code":"x","cursor_pos":"nine"}"#.to_owned(),
        4 => "null".to_owned(),
        5 => String::from_utf8_lossy(&dice.bytes(200)).into_owned(),
        6 => r#"{"restart":"perhaps"}"#.to_owned(),
        _ => format!(
            r#"{{"code":"{}","store_history":true}}"#,
            "y".repeat(dice.below(5000))
        ),
    }
}

fn hmac_hex<M: Mac + hmac::digest::KeyInit>(parts: &[&[u8]]) -> String {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(KEY.as_bytes()).unwrap();
    for part in parts {
        mac.update(part);
    }
    hex_string(&mac.finalize().into_bytes())
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a generated case is expected to do.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Refused (no delimiter, too few frames, bad or missing signature,
    /// bad header, oversized frame).
    Refused,
    /// Accepted, with this message type.
    Accepted(String),
    /// Refused because of a frame over the limit.
    TooLarge,
}

fn generate(dice: &mut Dice) -> (Vec<Bytes>, Expect) {
    let mut frames: Vec<Bytes> = Vec::new();
    for _ in 0..dice.below(3) {
        frames.push(Bytes::from(dice.bytes(16)));
    }
    let delimiter = dice.below(10);
    match delimiter {
        0 => {}                                            // missing
        1 => frames.push(Bytes::from_static(b"<IDS|MSG")), // garbled
        _ => frames.push(Bytes::from_static(DELIMITER)),
    }
    let (header, sound_type) = header(dice);
    let parent = if dice.chance(80) {
        "{}".to_owned()
    } else {
        String::from_utf8_lossy(&dice.bytes(20)).into_owned()
    };
    let metadata = if dice.chance(80) {
        "{}".to_owned()
    } else {
        "[]".to_owned()
    };
    let content = content(dice);
    let signed: [&[u8]; 4] = [
        header.as_bytes(),
        parent.as_bytes(),
        metadata.as_bytes(),
        content.as_bytes(),
    ];
    let good = hmac_hex::<Hmac<Sha256>>(&signed);
    let signature_is_right;
    let signature = match dice.below(8) {
        0..=3 => {
            signature_is_right = true;
            good
        }
        4 => {
            signature_is_right = false;
            String::new()
        }
        5 => {
            signature_is_right = false;
            hmac_hex::<Hmac<Sha512>>(&signed) // another scheme
        }
        6 => {
            // One hex digit changed.
            signature_is_right = false;
            let mut wrong = good.into_bytes();
            let at = dice.below(wrong.len());
            wrong[at] = if wrong[at] == b'0' { b'1' } else { b'0' };
            String::from_utf8(wrong).unwrap()
        }
        _ => {
            signature_is_right = false;
            "not hex at all".to_owned()
        }
    };
    let mut body = vec![
        Bytes::from(signature),
        Bytes::from(header),
        Bytes::from(parent),
        Bytes::from(metadata),
        Bytes::from(content),
    ];
    // Sometimes too few frames, sometimes extra buffers.
    let too_few = dice.chance(5);
    if too_few {
        body.truncate(dice.below(5));
    } else if dice.chance(5) {
        body.push(Bytes::from(dice.bytes(32)));
    }
    frames.extend(body);
    // Rarely, a frame over the limit (shared, so it costs one allocation).
    if dice.chance(1) {
        let at = dice.below(frames.len());
        frames[at] = oversized();
        return (frames, Expect::TooLarge);
    }
    let expect = match (delimiter >= 2, too_few, signature_is_right, sound_type) {
        (true, false, true, Some(msg_type)) => Expect::Accepted(msg_type),
        _ => Expect::Refused,
    };
    (frames, expect)
}

fn oversized() -> Bytes {
    use std::sync::OnceLock;
    static BIG: OnceLock<Bytes> = OnceLock::new();
    BIG.get_or_init(|| Bytes::from(vec![b'{'; MAX_FRAME_BYTES + 1]))
        .clone()
}

#[test]
fn generated_messages_never_panic_and_unsigned_ones_never_pass() {
    let signer = Signer::from_connection(KEY, "hmac-sha256").unwrap();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..CASES {
        let (frames, expect) = generate(&mut dice);
        let decoded = decode(frames, &signer);
        match (&expect, &decoded) {
            (
                Expect::Accepted(msg_type),
                Ok(Decoded::Message(m) | Decoded::Unparsed { message: m, .. }),
            ) => {
                assert_eq!(&m.header.msg_type, msg_type, "case {case}");
                accepted += 1;
            }
            (Expect::Refused, Err(_)) => refused += 1,
            (Expect::TooLarge, Err(DropReason::FrameTooLarge(_))) => refused += 1,
            _ => panic!("case {case}: expected {expect:?}, decode gave {decoded:?}"),
        }
    }
    assert_eq!(accepted + refused, CASES);
    // Both paths were exercised in earnest.
    assert!(
        accepted > CASES / 10 && refused > CASES / 2,
        "accepted {accepted}, refused {refused}"
    );
}
