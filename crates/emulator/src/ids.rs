//! Generated identifiers and secrets: appids, original ids, tokens, tickets, codes, task and
//! media ids. One RNG, seeded by `--seed` when given, so a run with the same seed and the same
//! calls produces the same values.

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";

/// The generator.
#[derive(Debug)]
pub struct Ids {
    rng: Mutex<StdRng>,
}

impl Ids {
    /// Seeded with `seed`, or from the OS.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
        Ids { rng: Mutex::new(rng) }
    }

    /// Back to the seed (on reset).
    pub fn reseed(&self, seed: Option<u64>) {
        *self.rng.lock() = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_entropy(),
        };
    }

    /// `len` characters of `alphabet`. The lock is held for one fill of random bytes, not one
    /// draw per character: every token and id of every request goes through here. A byte maps
    /// to `alphabet[byte % len]`, exact for the 16- and 64-character alphabets of tokens and
    /// hex ids, and slightly uneven for the others (62, 10), which only have to differ.
    fn pick(&self, alphabet: &[u8], len: usize) -> String {
        let mut bytes = [0u8; 128];
        let mut out = String::with_capacity(len);
        let mut left = len;
        while left > 0 {
            let n = left.min(bytes.len());
            self.rng.lock().fill(&mut bytes[..n]);
            out.extend(
                bytes[..n]
                    .iter()
                    .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()])),
            );
            left -= n;
        }
        out
    }

    /// A probability draw in [0, 1).
    pub fn chance(&self) -> f64 {
        self.rng.lock().r#gen::<f64>()
    }

    /// `wx` and 16 hex digits.
    pub fn appid(&self) -> String {
        format!("wx{}", self.pick(HEX, 16))
    }

    /// `gh_` and 12 hex digits.
    pub fn original_id(&self) -> String {
        format!("gh_{}", self.pick(HEX, 12))
    }

    /// An access token: a number, `_`, then 120 characters of [A-Za-z0-9_-], like WeChat's.
    pub fn access_token(&self) -> String {
        let prefix = { self.rng.lock().gen_range(60..99) };
        format!("{prefix}_{}", self.pick(TOKEN_CHARS, 120))
    }

    /// An authorizer_refresh_token.
    pub fn refresh_token(&self) -> String {
        format!("refreshtoken@@@{}", self.pick(TOKEN_CHARS, 43))
    }

    /// A component_verify_ticket.
    pub fn verify_ticket(&self) -> String {
        format!("ticket@@@{}", self.pick(TOKEN_CHARS, 86))
    }

    /// A pre_auth_code.
    pub fn pre_auth_code(&self) -> String {
        format!("preauthcode@@@{}", self.pick(TOKEN_CHARS, 64))
    }

    /// An authorization_code / auth_code.
    pub fn authorization_code(&self) -> String {
        format!("queryauthcode@@@{}", self.pick(TOKEN_CHARS, 64))
    }

    /// A fastregister ticket or a rebind taskid: 32 hex digits, as in the spec's examples.
    pub fn hex32(&self) -> String {
        self.pick(HEX, 32)
    }

    /// A temporary media id.
    pub fn media_id(&self) -> String {
        self.pick(TOKEN_CHARS, 64)
    }

    /// A nonce for a push.
    pub fn nonce(&self) -> String {
        self.pick(b"0123456789", 10)
    }

    /// Alphanumerics, for image URLs.
    pub fn alnum(&self, len: usize) -> String {
        self.pick(ALNUM, len)
    }
}

/// Whether a token has the shape of one WeChat issues (else 40014 rather than 40001).
pub fn is_well_formed_token(token: &str) -> bool {
    token.len() >= 20
        && token.len() <= 512
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'@' || b == b'*')
}
