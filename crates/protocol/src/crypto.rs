//! WXBizMsgCrypt: how WeChat signs and encrypts what it pushes to a component, and how the
//! component encrypts what it replies — spec §2 (Technical_Plan; WxJava `WxCryptUtil`, wechatpy
//! `crypto/`). AES-256-CBC with IV = key[..16], PKCS#7 padding to 32 bytes (not 16), plaintext
//! `random(16) ‖ msg_len (u32 BE) ‖ msg ‖ appid`, standard base64, and
//! `msg_signature = hex(sha1(concat(sort([token, timestamp, nonce, Encrypt]))))`.
//!
//! Start with [`MsgCrypt`]: [`MsgCrypt::open`] verifies and decrypts a push envelope,
//! [`MsgCrypt::seal`] builds an encrypted reply. Decryption never panics on hostile input; each
//! way it can fail is its own [`CryptoError`] variant, whose message never contains the key or the
//! token.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use quick_xml::events::{BytesCData, BytesText, Event};
use rand::Rng;
use sha1::{Digest, Sha1};
use std::fmt;
use subtle::ConstantTimeEq;

/// PKCS#7 block size of WXBizMsgCrypt. The AES block is 16 bytes, but every official SDK pads to
/// 32: the pad is 1 to 32 bytes, and a ciphertext from WeChat is a multiple of 32 bytes.
pub const PAD_BLOCK: usize = 32;
const AES_BLOCK: usize = 16;
const RANDOM_LEN: usize = 16;
const HEADER_LEN: usize = RANDOM_LEN + 4;
const ENCODING_AES_KEY_LEN: usize = 43;

/// Everything that can go wrong signing, opening or sealing a push. Each message is one line that
/// says what is wrong and what to check; none contains the key or the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// `msg_signature` is not the SHA-1 of the sorted token, timestamp, nonce and Encrypt.
    #[error(
        "msg_signature does not match sha1(sort(token, timestamp, nonce, Encrypt)): check the token \
         and pass the timestamp, nonce and msg_signature query parameters of this very request"
    )]
    BadSignature,
    /// The EncodingAESKey is not 43 characters from [A-Za-z0-9]; the string says which rule failed.
    #[error("bad EncodingAESKey: {0}")]
    BadKey(String),
    /// The Encrypt value is not standard base64.
    #[error(
        "Encrypt is not valid base64 (standard alphabet with '+', '/' and '=' padding): \
         pass the value exactly as received, without URL-decoding or line breaks"
    )]
    BadBase64,
    /// The decrypted bytes do not end in PKCS#7 padding (block 32) — almost always a wrong key.
    #[error(
        "decrypted payload has no valid PKCS#7 padding: the EncodingAESKey is probably wrong \
         (after a key change, configure the previous key too)"
    )]
    BadPadding,
    /// The ciphertext is not whole AES blocks, the plaintext is shorter than its 20-byte header,
    /// or the declared message length exceeds the plaintext.
    #[error(
        "decrypted payload is shorter than its header or than the message length it declares: \
         the Encrypt value was truncated or altered, or the EncodingAESKey is wrong"
    )]
    BadLength,
    /// The appid at the end of the plaintext is not ours.
    #[error(
        "decrypted payload is addressed to appid {got:?}, not {expected:?}: configure the appid \
         the key belongs to (the component appid for third-party platform pushes)"
    )]
    WrongAppId {
        /// Our appid.
        expected: String,
        /// The appid found in the plaintext (lossily decoded if it was not UTF-8).
        got: String,
    },
    /// The decrypted message is not UTF-8.
    #[error("decrypted message is not valid UTF-8: the EncodingAESKey is probably wrong")]
    BadUtf8,
    /// The envelope has no `<Encrypt>` element under its root, or the element is empty.
    #[error("envelope has no non-empty <Encrypt> element under its root: pass the raw POST body of the push")]
    MissingEncrypt,
    /// The envelope is not well-formed XML.
    #[error("envelope is not well-formed XML ({0}): pass the raw POST body of the push")]
    BadXml(String),
}

/// The 32-byte AES key behind a 43-character EncodingAESKey (`base64_decode(key + "=")`).
///
/// `Debug` shows a fingerprint (see [`crate::id::fingerprint`]) of the EncodingAESKey, never the
/// key itself.
#[derive(Clone)]
pub struct EncodingAesKey {
    bytes: [u8; 32],
    fingerprint: String,
}

impl EncodingAesKey {
    /// Parses an EncodingAESKey as shown on the platform's settings page: exactly 43 characters
    /// from [A-Za-z0-9].
    pub fn parse(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        let len = encoding_aes_key.chars().count();
        if len != ENCODING_AES_KEY_LEN {
            return Err(CryptoError::BadKey(format!(
                "it is {len} characters long, it must be exactly 43 characters from [A-Za-z0-9]; \
                 copy it again from the platform's development settings"
            )));
        }
        if let Some(pos) = encoding_aes_key.chars().position(|c| !c.is_ascii_alphanumeric()) {
            return Err(CryptoError::BadKey(format!(
                "character {} is not in [A-Za-z0-9]; copy it again from the platform's \
                 development settings, without quotes or spaces",
                pos + 1
            )));
        }
        // The 43rd character carries 2 bits that fall outside the 32 bytes. WeChat generates
        // them at random, and every official SDK ignores them, so a strict decoder would reject
        // real keys (vector A's `G` is one).
        let lenient = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
        );
        let mut padded = String::with_capacity(ENCODING_AES_KEY_LEN + 1);
        padded.push_str(encoding_aes_key);
        padded.push('=');
        let decoded = lenient
            .decode(padded.as_bytes())
            .map_err(|_| CryptoError::BadKey("it is not base64 of 32 bytes".into()))?;
        let bytes: [u8; 32] = decoded
            .try_into()
            .map_err(|_| CryptoError::BadKey("it does not decode to 32 bytes".into()))?;
        Ok(Self {
            bytes,
            fingerprint: crate::id::fingerprint(encoding_aes_key),
        })
    }

    /// The AES-256 key. Call only to encrypt or decrypt.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The CBC initialisation vector: the first 16 bytes of the key.
    pub fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.bytes[..16]);
        iv
    }

    /// A fingerprint safe to log, to tell the current key from the previous one.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn encrypt_blocks(&self, plain: &[u8]) -> Vec<u8> {
        cbc::Encryptor::<Aes256>::new(&self.bytes.into(), &self.iv().into()).encrypt_padded_vec_mut::<NoPadding>(plain)
    }

    fn decrypt_blocks(&self, cipher: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if cipher.is_empty() || cipher.len() % AES_BLOCK != 0 {
            return Err(CryptoError::BadLength);
        }
        cbc::Decryptor::<Aes256>::new(&self.bytes.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(cipher)
            .map_err(|_| CryptoError::BadLength)
    }
}

impl PartialEq for EncodingAesKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
    }
}

impl Eq for EncodingAesKey {}

impl fmt::Debug for EncodingAesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncodingAesKey(redacted:{})", self.fingerprint)
    }
}

fn sha1_hex(mut parts: Vec<&str>) -> String {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The `msg_signature` of an encrypted push or reply:
/// `hex(sha1(concat(sort([token, timestamp, nonce, encrypt]))))`.
pub fn signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    sha1_hex(vec![token, timestamp, nonce, encrypt])
}

/// The `signature` query parameter (URL verification, plaintext-mode pushes):
/// `hex(sha1(concat(sort([token, timestamp, nonce]))))`.
pub fn url_signature(token: &str, timestamp: &str, nonce: &str) -> String {
    sha1_hex(vec![token, timestamp, nonce])
}

fn signatures_equal(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// Appends PKCS#7 padding for [`PAD_BLOCK`]: 1 to 32 bytes, each equal to the count, a whole
/// block of 32 when `buf` is already aligned.
fn pad(buf: &mut Vec<u8>) {
    let n = PAD_BLOCK - buf.len() % PAD_BLOCK;
    // n is in 1..=32, so the cast cannot truncate.
    buf.resize(buf.len() + n, n as u8);
}

/// Strips PKCS#7 padding for [`PAD_BLOCK`], checking every pad byte.
fn unpad(buf: &[u8]) -> Result<&[u8], CryptoError> {
    let Some(&last) = buf.last() else {
        return Err(CryptoError::BadPadding);
    };
    let n = usize::from(last);
    if n == 0 || n > PAD_BLOCK || n > buf.len() {
        return Err(CryptoError::BadPadding);
    }
    let (body, padding) = buf.split_at(buf.len() - n);
    if padding.iter().any(|&b| b != last) {
        return Err(CryptoError::BadPadding);
    }
    Ok(body)
}

/// Which of the configured keys decrypted a push. Reply with the same one
/// ([`MsgCrypt::seal_reply`]): during a key change WeChat still expects the old key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsed {
    /// The current EncodingAESKey.
    Current,
    /// The previous EncodingAESKey ([`MsgCrypt::with_previous_key`]).
    Previous,
}

/// A decrypted push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The plaintext, usually the event XML, byte for byte (line breaks included).
    pub message: String,
    /// The appid at the end of the plaintext; equal to ours, or decryption would have failed.
    pub appid: String,
    /// The key that decrypted it.
    pub key: KeyUsed,
}

/// An encrypted reply or push, ready to be sent as XML ([`Envelope::to_xml`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The base64 ciphertext.
    pub encrypt: String,
    /// [`signature`] over token, timestamp, nonce and `encrypt`.
    pub msg_signature: String,
    /// Unix seconds, as a string on the wire.
    pub timestamp: String,
    /// The nonce the signature covers.
    pub nonce: String,
}

impl Envelope {
    /// `<xml><Encrypt><![CDATA[…]]></Encrypt><MsgSignature><![CDATA[…]]></MsgSignature>
    /// <TimeStamp>…</TimeStamp><Nonce><![CDATA[…]]></Nonce></xml>`, on one line.
    pub fn to_xml(&self) -> String {
        format!(
            "<xml><Encrypt>{}</Encrypt><MsgSignature>{}</MsgSignature>\
             <TimeStamp>{}</TimeStamp><Nonce>{}</Nonce></xml>",
            cdata(&self.encrypt),
            cdata(&self.msg_signature),
            quick_xml::escape::escape(self.timestamp.as_str()),
            cdata(&self.nonce),
        )
    }
}

/// Wraps text in CDATA, splitting it where it contains `]]>` (which base64 and hex never do, but
/// a caller-chosen nonce might).
fn cdata(text: &str) -> String {
    BytesCData::escaped(text)
        .map(|section| format!("<![CDATA[{}]]>", String::from_utf8_lossy(&section)))
        .collect()
}

/// The text of the `<Encrypt>` element directly under the root of an envelope: the push form
/// `<xml><ToUserName/><Encrypt/></xml>`, the component form `<xml><AppId/><Encrypt/></xml>`,
/// or the reply form. CDATA and escaped text are both accepted; surrounding white space is dropped.
pub fn extract_encrypt(envelope_xml: &str) -> Result<String, CryptoError> {
    let mut reader = quick_xml::Reader::from_str(envelope_xml);
    let bad_xml = |e: &dyn fmt::Display| CryptoError::BadXml(one_line(&e.to_string()));
    let mut depth = 0usize;
    // Some(text) while inside the <Encrypt> element directly under the root.
    let mut encrypt: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| bad_xml(&e))?;
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth == 2 && start.local_name().as_ref() == b"Encrypt" {
                    encrypt = Some(String::new());
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some(text) = encrypt.take() {
                        let text = text.trim();
                        if text.is_empty() {
                            return Err(CryptoError::MissingEncrypt);
                        }
                        return Ok(text.to_owned());
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) => {
                if let Some(acc) = encrypt.as_mut() {
                    acc.push_str(&unescape(&text).map_err(|e| bad_xml(&e))?);
                }
            }
            Event::CData(data) => {
                if let Some(acc) = encrypt.as_mut() {
                    acc.push_str(&data.decode().map_err(|e| bad_xml(&e))?);
                }
            }
            Event::Eof => {
                return Err(if encrypt.is_some() || depth > 0 {
                    CryptoError::BadXml("the document ends inside an element".into())
                } else {
                    CryptoError::MissingEncrypt
                });
            }
            // <Encrypt/> is empty: keep looking, and report MissingEncrypt if nothing follows.
            _ => {}
        }
    }
}

fn unescape(text: &BytesText<'_>) -> Result<String, quick_xml::Error> {
    Ok(text.unescape()?.into_owned())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A component's WXBizMsgCrypt: its token, its EncodingAESKey (and the previous one during a key
/// change) and the appid that must close every plaintext.
///
/// `Debug` shows the appid and key fingerprints; never the token or the keys.
#[derive(Clone)]
pub struct MsgCrypt {
    token: String,
    key: EncodingAesKey,
    previous_key: Option<EncodingAesKey>,
    appid: String,
}

impl fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("token", &"redacted")
            .field("key", &self.key)
            .field("previous_key", &self.previous_key)
            .field("appid", &self.appid)
            .finish()
    }
}

impl MsgCrypt {
    /// A crypt for `appid` (the component appid for third-party platform pushes).
    pub fn new(token: &str, encoding_aes_key: &str, appid: &str) -> Result<Self, CryptoError> {
        Ok(Self {
            token: token.to_owned(),
            key: EncodingAesKey::parse(encoding_aes_key)?,
            previous_key: None,
            appid: appid.to_owned(),
        })
    }

    /// Adds the EncodingAESKey in use before the last change: decryption tries the current key,
    /// then this one.
    pub fn with_previous_key(mut self, encoding_aes_key: &str) -> Result<Self, CryptoError> {
        self.previous_key = Some(EncodingAesKey::parse(encoding_aes_key)?);
        Ok(self)
    }

    /// The appid every plaintext must end with.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Encrypts `msg` with the given 16-byte random prefix; deterministic, for tests and vectors.
    pub fn encrypt_with_random(&self, msg: &str, random: &[u8; 16]) -> String {
        encrypt_with(&self.key, &self.appid, msg, random)
    }

    /// Encrypts `msg` with a random prefix of 16 characters from [A-Za-z0-9], as the official
    /// SDKs do.
    pub fn encrypt(&self, msg: &str) -> String {
        self.encrypt_with_random(msg, &random_prefix())
    }

    /// Decrypts a base64 `Encrypt` value with the current key, then with the previous one, and
    /// checks that the plaintext ends with our appid. Checks no signature: on anything received,
    /// call [`MsgCrypt::open`], so an unsigned ciphertext never reaches the padding check, whose
    /// distinct errors would otherwise make a padding oracle.
    pub fn decrypt(&self, encrypt_b64: &str) -> Result<Decrypted, CryptoError> {
        let cipher = STANDARD
            .decode(encrypt_b64.as_bytes())
            .map_err(|_| CryptoError::BadBase64)?;
        match self.decrypt_with(&self.key, &cipher, KeyUsed::Current) {
            Ok(decrypted) => Ok(decrypted),
            Err(current) => match &self.previous_key {
                // When both keys fail, the current key's reason is the one worth reading.
                Some(previous) => self
                    .decrypt_with(previous, &cipher, KeyUsed::Previous)
                    .map_err(|_| current),
                None => Err(current),
            },
        }
    }

    fn decrypt_with(&self, key: &EncodingAesKey, cipher: &[u8], used: KeyUsed) -> Result<Decrypted, CryptoError> {
        let padded = key.decrypt_blocks(cipher)?;
        let plain = unpad(&padded)?;
        let (header, rest) = plain.split_at_checked(HEADER_LEN).ok_or(CryptoError::BadLength)?;
        let mut len_field = [0u8; 4];
        len_field.copy_from_slice(&header[RANDOM_LEN..]);
        let msg_len = usize::try_from(u32::from_be_bytes(len_field)).map_err(|_| CryptoError::BadLength)?;
        let (message, appid) = rest.split_at_checked(msg_len).ok_or(CryptoError::BadLength)?;
        if appid != self.appid.as_bytes() {
            return Err(CryptoError::WrongAppId {
                expected: self.appid.clone(),
                got: String::from_utf8_lossy(appid).into_owned(),
            });
        }
        let message = std::str::from_utf8(message).map_err(|_| CryptoError::BadUtf8)?;
        Ok(Decrypted {
            message: message.to_owned(),
            appid: self.appid.clone(),
            key: used,
        })
    }

    /// Checks `msg_signature` against token, timestamp, nonce and the `Encrypt` value, in
    /// constant time.
    pub fn verify_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<(), CryptoError> {
        let expected = signature(&self.token, timestamp, nonce, encrypt);
        if signatures_equal(&expected, msg_signature) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    /// Checks the 3-item `signature` query parameter (URL verification), in constant time.
    pub fn verify_url_signature(&self, signature: &str, timestamp: &str, nonce: &str) -> Result<(), CryptoError> {
        let expected = url_signature(&self.token, timestamp, nonce);
        if signatures_equal(&expected, signature) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    /// Opens a push: extracts `<Encrypt>` from the envelope, verifies `msg_signature` (the query
    /// parameter) over it, then decrypts it.
    pub fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        envelope_xml: &str,
    ) -> Result<Decrypted, CryptoError> {
        let encrypt = extract_encrypt(envelope_xml)?;
        self.verify_signature(msg_signature, timestamp, nonce, &encrypt)?;
        self.decrypt(&encrypt)
    }

    /// Encrypts and signs `msg` with the current key.
    pub fn seal(&self, msg: &str, timestamp: &str, nonce: &str) -> Envelope {
        self.seal_with_random(msg, timestamp, nonce, &random_prefix())
    }

    /// [`MsgCrypt::seal`] with a given random prefix; deterministic, for tests and vectors.
    pub fn seal_with_random(&self, msg: &str, timestamp: &str, nonce: &str, random: &[u8; 16]) -> Envelope {
        self.envelope(encrypt_with(&self.key, &self.appid, msg, random), timestamp, nonce)
    }

    /// Encrypts and signs a reply to `push` with the key that decrypted it, so a reply to a push
    /// sent during a key change is readable by WeChat.
    pub fn seal_reply(&self, push: &Decrypted, msg: &str, timestamp: &str, nonce: &str) -> Envelope {
        let key = match (push.key, &self.previous_key) {
            (KeyUsed::Previous, Some(previous)) => previous,
            _ => &self.key,
        };
        self.envelope(encrypt_with(key, &self.appid, msg, &random_prefix()), timestamp, nonce)
    }

    fn envelope(&self, encrypt: String, timestamp: &str, nonce: &str) -> Envelope {
        Envelope {
            msg_signature: signature(&self.token, timestamp, nonce, &encrypt),
            encrypt,
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
        }
    }
}

fn encrypt_with(key: &EncodingAesKey, appid: &str, msg: &str, random: &[u8; 16]) -> String {
    let msg = msg.as_bytes();
    let mut plain = Vec::with_capacity(HEADER_LEN + msg.len() + appid.len() + PAD_BLOCK);
    plain.extend_from_slice(random);
    // A message over 4 GiB cannot be pushed or replied anyway; saturating keeps this total.
    let msg_len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    plain.extend_from_slice(&msg_len.to_be_bytes());
    plain.extend_from_slice(msg);
    plain.extend_from_slice(appid.as_bytes());
    pad(&mut plain);
    STANDARD.encode(key.encrypt_blocks(&plain))
}

fn random_prefix() -> [u8; 16] {
    let mut rng = rand::thread_rng();
    let mut random = [0u8; 16];
    for b in &mut random {
        *b = rng.sample(rand::distributions::Alphanumeric);
    }
    random
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(len: usize) -> Vec<u8> {
        let mut buf = vec![0xAB; len];
        pad(&mut buf);
        buf
    }

    #[test]
    fn pad_aligned_input_gets_a_full_block_of_0x20() {
        for len in [0, 32, 64] {
            let buf = padded(len);
            assert_eq!(buf.len(), len + 32);
            assert_eq!(&buf[len..], &[0x20; 32]);
        }
    }

    #[test]
    fn pad_fills_to_the_next_multiple_of_32_not_16() {
        let buf = padded(16);
        assert_eq!(buf.len(), 32);
        assert_eq!(&buf[16..], &[16u8; 16]);
        let buf = padded(31);
        assert_eq!(buf.len(), 32);
        assert_eq!(buf[31], 1);
        let buf = padded(33);
        assert_eq!(buf.len(), 64);
        assert_eq!(&buf[33..], &[31u8; 31]);
    }

    #[test]
    fn unpad_inverts_pad() {
        for len in 0..100 {
            let buf = padded(len);
            assert_eq!(unpad(&buf), Ok(&vec![0xAB; len][..]), "len {len}");
        }
    }

    #[test]
    fn unpad_rejects_empty_zero_oversized_and_inconsistent_padding() {
        assert_eq!(unpad(&[]), Err(CryptoError::BadPadding));
        assert_eq!(unpad(&[0u8; 32]), Err(CryptoError::BadPadding));
        // 33 is a valid PKCS#7 byte for block 64, not for WeChat's 32.
        assert_eq!(unpad(&[33u8; 64]), Err(CryptoError::BadPadding));
        // The pad byte claims more bytes than there are.
        assert_eq!(unpad(&[5u8; 4]), Err(CryptoError::BadPadding));
        let mut buf = padded(20);
        buf[21] ^= 1;
        assert_eq!(unpad(&buf), Err(CryptoError::BadPadding));
        // 32 bytes of 0x20 and nothing else is a valid (empty) payload.
        assert_eq!(unpad(&[0x20; 32]), Ok(&[][..]));
    }

    #[test]
    fn decrypt_blocks_rejects_partial_and_empty_ciphertext() {
        let key = EncodingAesKey::parse(&"A".repeat(43)).expect("valid key");
        assert_eq!(key.decrypt_blocks(&[]), Err(CryptoError::BadLength));
        assert_eq!(key.decrypt_blocks(&[0; 17]), Err(CryptoError::BadLength));
        assert_eq!(key.decrypt_blocks(&[0; 16]).map(|p| p.len()), Ok(16));
    }

    #[test]
    fn cdata_splits_the_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(cdata("abc"), "<![CDATA[abc]]>");
    }
}
