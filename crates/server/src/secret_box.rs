//! Encryption at rest: every token, refresh token, ticket, code, decrypted push and setup image
//! (`materials`: licences, ID-card photos, head images, qualifications) is stored sealed with
//! AES-256-GCM under the service's key, bound to the place it is stored (the associated data names
//! the table row), so a sealed value copied to another row does not open.
//!
//! The key comes from the `encryption_key` setting (base64 of 32 bytes) or, when that is unset,
//! from `<data_dir>/encryption.key`, generated on first run. A sealed canary kept in the
//! database makes a start with the wrong key fail at once, with a message that says so, instead
//! of failing later on every token.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use std::fmt;
use std::path::Path;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// The service's data key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    raw: [u8; 32],
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(redacted)")
    }
}

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Too short or an unknown format version.
    #[error("the sealed value is malformed")]
    Malformed,
    /// Wrong key, or the value was moved or altered.
    #[error("the sealed value does not open with this key (wrong encryption key, or the row was altered)")]
    Tampered,
    /// Opened, but not UTF-8 where text was expected.
    #[error("the sealed value is not text")]
    NotText,
}

impl SecretBox {
    /// A box from 32 raw key bytes.
    pub fn new(key: [u8; 32]) -> Self {
        SecretBox {
            cipher: Aes256Gcm::new(&key.into()),
            raw: key,
        }
    }

    /// A box from the base64 text of a 32-byte key.
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            anyhow::anyhow!("encryption_key is not base64; generate one with `openssl rand -base64 32`")
        })?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("encryption_key must be 32 bytes once base64-decoded"))?;
        Ok(Self::new(key))
    }

    /// The key from `<data_dir>/encryption.key`, created (mode 0600) when missing.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("encryption.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_base64(&text).with_context(|| format!("in {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                write_private(&path, &STANDARD.encode(key))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a new encryption key for data at rest");
                Ok(Self::new(key))
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Seals `plain`, bound to `context` (for example `tokens:component_access_token:wx…`).
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            // AES-GCM encryption fails only for messages over 64 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Seals text.
    pub fn seal_str(&self, context: &str, plain: &str) -> Vec<u8> {
        self.seal(context, plain.as_bytes())
    }

    /// Opens a value sealed with the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (version, rest) = sealed.split_first().ok_or(OpenError::Malformed)?;
        if *version != VERSION || rest.len() < NONCE_LEN + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Tampered)
    }

    /// Opens sealed text.
    pub fn open_str(&self, context: &str, sealed: &[u8]) -> Result<String, OpenError> {
        String::from_utf8(self.open(context, sealed)?).map_err(|_| OpenError::NotText)
    }

    /// A 32-byte key derived from this one for another purpose (HMAC of the purpose), so one
    /// configured secret can sign `state` values without being used for two things.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.raw).expect("HMAC accepts keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl SecretBox {
    /// A keyed digest of a secret (hex HMAC-SHA256 under a derived key): equal values give equal
    /// digests, so a row can be found or compared by its secret without storing it in the clear.
    pub fn digest(&self, purpose: &str, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let key = self.derive(&format!("digest:{purpose}"));
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).expect("HMAC accepts keys of any length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_opens_only_in_its_context() {
        let b = SecretBox::new([7; 32]);
        let sealed = b.seal_str("tokens:a", "refresh-token-value");
        assert!(!sealed.windows(5).any(|w| w == b"token"));
        assert_eq!(b.open_str("tokens:a", &sealed).unwrap(), "refresh-token-value");
        assert!(matches!(b.open("tokens:b", &sealed), Err(OpenError::Tampered)));
        assert!(matches!(
            SecretBox::new([8; 32]).open("tokens:a", &sealed),
            Err(OpenError::Tampered)
        ));
        assert!(matches!(b.open("tokens:a", &sealed[..5]), Err(OpenError::Malformed)));
    }

    #[test]
    fn generated_key_is_kept() {
        let dir = std::env::temp_dir().join(format!("fastreg-key-{}", uuid::Uuid::new_v4()));
        let a = SecretBox::load_or_create(&dir).unwrap();
        let b = SecretBox::load_or_create(&dir).unwrap();
        let sealed = a.seal_str("x", "y");
        assert_eq!(b.open_str("x", &sealed).unwrap(), "y");
        std::fs::remove_dir_all(&dir).ok();
    }
}
