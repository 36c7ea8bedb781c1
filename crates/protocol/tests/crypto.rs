//! WXBizMsgCrypt against the published vectors A–F of spec §2, plus the ways a push can be wrong
//! (tampered signature, foreign appid, rotated key, hostile ciphertext).
//!
//! Every vector is asserted both ways where the random prefix is known: decrypting gives the exact
//! plaintext, and encrypting that plaintext with the same prefix gives the exact ciphertext back.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use fastreg_protocol::crypto::{
    CryptoError, Decrypted, EncodingAesKey, KeyUsed, MsgCrypt, extract_encrypt, signature, url_signature,
};
use proptest::prelude::*;

// Vector A (official Java sample, WxJava WxCryptUtilTest).
const KEY_A: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const A_TOKEN: &str = "pamtest";
const A_TIMESTAMP: &str = "1409304348";
const A_NONCE: &str = "xxxxxx";
const A_APPID: &str = "wxb11529c136998cb6";
const A_RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";
const A1_MSG: &str = "我是中文abcd123";
const A1_ENCRYPT: &str = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

// Vector B (official Java sample, URL verification).
const KEY_B: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const B_ECHOSTR: &str = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

// Vectors C and D (official Python and C++ samples): key A, token spamtest.
const CD_TOKEN: &str = "spamtest";
const CD_APPID: &str = "wx2c2769f8efd9abc2";
const C_MSG: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>";
const D_MSG: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1410349438</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6057404712141979648</MsgId>\n</xml>";

// Vector E (current official doc): 43 × 'A' is an all-zero AES key.
const E_TOKEN: &str = "AAAAA";
const E_APPID: &str = "wx134c8103faa5a59e";
const E_MSG: &str = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<FromUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></FromUserName>\n<CreateTime>1715943329</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[debug_demo]]></Event>\n<debug_str><![CDATA[hello world]]></debug_str>\n</xml>";
const E_REPLY_MSG: &str = "<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>";
const E_REPLY_ENCRYPT: &str = "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7";

// Vector F (wechatpy tests/test_crypto.py; WeCom, same algorithm, id = corp id).
const KEY_F: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
const F_TOKEN: &str = "123456";
const F_APPID: &str = "wx49f0ab532d5d035a";
const F_MSG: &str = "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>";
const A2_MSG: &str = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
const A2_ENCRYPT: &str = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb";
const C_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
const D_ENCRYPT: &str = "mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=";
const E_ENCRYPT: &str = "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";
const F_ENCRYPT: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
const F_ECHOSTR: &str = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
const F_REPLY: &str = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
const F_REPLY_ENCRYPT: &str = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";

fn crypt(token: &str, key: &str, appid: &str) -> MsgCrypt {
    MsgCrypt::new(token, key, appid).expect("a valid EncodingAESKey")
}

fn decrypted(message: &str, appid: &str, key: KeyUsed) -> Decrypted {
    Decrypted {
        message: message.to_owned(),
        appid: appid.to_owned(),
        key,
    }
}

fn random(prefix: &str) -> [u8; 16] {
    prefix.as_bytes().try_into().expect("a 16-byte random prefix")
}

fn push_envelope(to_user: &str, encrypt: &str) -> String {
    format!("<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
}

/// Encrypts raw plaintext bytes (a multiple of 16) under `key`, bypassing the layout and padding
/// `MsgCrypt` would add, to build hostile payloads that pass the AES layer.
fn encrypt_raw(key: &str, plain: &[u8]) -> String {
    let key = EncodingAesKey::parse(key).expect("a valid EncodingAESKey");
    let cipher = cbc::Encryptor::<Aes256>::new(key.as_bytes().into(), &key.iv().into())
        .encrypt_padded_vec_mut::<NoPadding>(plain);
    STANDARD.encode(cipher)
}

/// `random ‖ len ‖ msg ‖ appid` with valid 32-byte padding, the declared length given separately.
fn layout(declared_len: u32, msg: &[u8], appid: &[u8]) -> Vec<u8> {
    let mut plain = b"0123456789abcdef".to_vec();
    plain.extend_from_slice(&declared_len.to_be_bytes());
    plain.extend_from_slice(msg);
    plain.extend_from_slice(appid);
    let n = 32 - plain.len() % 32;
    plain.resize(plain.len() + n, n as u8);
    plain
}

// ---------------------------------------------------------------- keys

#[test]
fn key_a_decodes_to_the_published_aes_key() {
    let key = EncodingAesKey::parse(KEY_A).unwrap();
    assert_eq!(
        hex::encode(key.as_bytes()),
        "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"
    );
    assert_eq!(hex::encode(key.iv()), "69b71d79f8218a39259a7a29aabb2dba");
}

#[test]
fn key_of_43_a_is_all_zero() {
    let key = EncodingAesKey::parse(&"A".repeat(43)).unwrap();
    assert_eq!(key.as_bytes(), &[0u8; 32]);
}

#[test]
fn bad_keys_say_why_without_echoing_the_key() {
    let short = &KEY_A[..42];
    let long = format!("{KEY_A}A");
    let plus = format!("{}+", &KEY_A[..42]);
    let space = format!(" {}", &KEY_A[..42]);
    for (key, why) in [
        (short, "42 characters long"),
        (long.as_str(), "44 characters long"),
        (plus.as_str(), "character 43 is not in [A-Za-z0-9]"),
        (space.as_str(), "character 1 is not in [A-Za-z0-9]"),
        ("", "0 characters long"),
    ] {
        let err = EncodingAesKey::parse(key).unwrap_err();
        assert!(matches!(err, CryptoError::BadKey(_)), "{key:?}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains(why), "{key:?}: {msg}");
        assert!(!msg.contains(&KEY_A[..10]), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
        assert!(MsgCrypt::new(A_TOKEN, key, A_APPID).is_err());
    }
}

#[test]
fn debug_redacts_token_and_keys() {
    let c = crypt("s3cr3t-token", KEY_A, A_APPID).with_previous_key(KEY_F).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("s3cr3t-token"), "{debug}");
    assert!(!debug.contains(KEY_A) && !debug.contains(KEY_F), "{debug}");
    assert!(!debug.contains("69b71d79"), "{debug}");
    assert!(debug.contains(A_APPID), "{debug}");
    let key = EncodingAesKey::parse(KEY_A).unwrap();
    assert_eq!(
        format!("{key:?}"),
        format!("EncodingAesKey(redacted:{})", fastreg_protocol::id::fingerprint(KEY_A))
    );
}

// ---------------------------------------------------------------- A

#[test]
fn vector_a1_encrypts_and_signs_exactly() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    assert_eq!(c.encrypt_with_random(A1_MSG, A_RANDOM), A1_ENCRYPT);
    assert_eq!(
        signature(A_TOKEN, A_TIMESTAMP, A_NONCE, A1_ENCRYPT),
        "82c962d39941aa48552f90ef55aa323dc620cc10"
    );
    assert_eq!(
        c.decrypt(A1_ENCRYPT).unwrap(),
        decrypted(A1_MSG, A_APPID, KeyUsed::Current)
    );
}

#[test]
fn vector_a2_encrypts_and_signs_exactly() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    let envelope = c.seal_with_random(A2_MSG, A_TIMESTAMP, A_NONCE, A_RANDOM);
    assert_eq!(envelope.encrypt, A2_ENCRYPT);
    assert_eq!(envelope.msg_signature, "ea88b765074e41eb8c7a75b449db34fa2fd560d5");
    assert_eq!(envelope.timestamp, A_TIMESTAMP);
    assert_eq!(envelope.nonce, A_NONCE);
    let opened = c
        .open(&envelope.msg_signature, A_TIMESTAMP, A_NONCE, &envelope.to_xml())
        .unwrap();
    assert_eq!(opened, decrypted(A2_MSG, A_APPID, KeyUsed::Current));
}

// ---------------------------------------------------------------- B

#[test]
fn vector_b_echostr_verifies_and_decrypts() {
    let c = crypt("QDG6eK", KEY_B, "wx5823bf96d3bd56c7");
    let (ts, nonce) = ("1409659589", "263014780");
    c.verify_signature("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", ts, nonce, B_ECHOSTR)
        .unwrap();
    assert_eq!(
        c.decrypt(B_ECHOSTR).unwrap(),
        decrypted("1616140317555161061", "wx5823bf96d3bd56c7", KeyUsed::Current)
    );
    assert_eq!(
        c.encrypt_with_random("1616140317555161061", &random("c41b64491c2468d0")),
        B_ECHOSTR
    );
}

#[test]
fn url_signature_is_sha1_of_the_three_sorted_items() {
    // Computed with Python's hashlib: sha1("".join(sorted([token, timestamp, nonce]))).
    assert_eq!(
        url_signature("QDG6eK", "1409659589", "263014780"),
        "93d1cec91cee4a4a8baada4c807ed13137622215"
    );
    assert_eq!(
        url_signature(A_TOKEN, A_TIMESTAMP, A_NONCE),
        "76480565cbe296026c53aaacd1ad523a1ddba24f"
    );
    let c = crypt("QDG6eK", KEY_B, "wx5823bf96d3bd56c7");
    c.verify_url_signature("93d1cec91cee4a4a8baada4c807ed13137622215", "1409659589", "263014780")
        .unwrap();
    assert_eq!(
        c.verify_url_signature("93d1cec91cee4a4a8baada4c807ed13137622216", "1409659589", "263014780"),
        Err(CryptoError::BadSignature)
    );
}

// ---------------------------------------------------------------- C, D

#[test]
fn vector_c_opens_to_the_exact_plaintext_with_its_line_breaks() {
    let c = crypt(CD_TOKEN, KEY_A, CD_APPID);
    let envelope = push_envelope("gh_10f6c3c3ac5a", C_ENCRYPT);
    let opened = c
        .open(
            "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
            "1409735669",
            "1320562132",
            &envelope,
        )
        .unwrap();
    assert_eq!(opened, decrypted(C_MSG, CD_APPID, KeyUsed::Current));
    assert_eq!(opened.message.len(), 280);
    assert_eq!(c.encrypt_with_random(C_MSG, &random("89465c840c5f116f")), C_ENCRYPT);
}

#[test]
fn vector_d_opens_to_the_exact_plaintext() {
    let c = crypt(CD_TOKEN, KEY_A, CD_APPID);
    let envelope = push_envelope("gh_10f6c3c3ac5a", D_ENCRYPT);
    let opened = c
        .open(
            "003fee52ecc56afb46c00b5c7721be87860ce785",
            "1410349438",
            "298025754",
            &envelope,
        )
        .unwrap();
    assert_eq!(opened, decrypted(D_MSG, CD_APPID, KeyUsed::Current));
    assert!(opened.message.contains("<MsgId>6057404712141979648</MsgId>"));
    assert_eq!(c.encrypt_with_random(D_MSG, &random("78b55f1d91440c6b")), D_ENCRYPT);
}

// ---------------------------------------------------------------- E

#[test]
fn vector_e_all_zero_key_opens_the_debug_demo_event() {
    let c = crypt(E_TOKEN, &"A".repeat(43), E_APPID);
    // The component form: <AppId> instead of <ToUserName>.
    let envelope = format!("<xml><AppId><![CDATA[{E_APPID}]]></AppId><Encrypt><![CDATA[{E_ENCRYPT}]]></Encrypt></xml>");
    let opened = c
        .open(
            "6c12a4205838198b8fa631b3220723bb07f1015c",
            "1715943329",
            "1590219412",
            &envelope,
        )
        .unwrap();
    assert_eq!(opened, decrypted(E_MSG, E_APPID, KeyUsed::Current));
    assert_eq!(opened.message.len(), 292);
    assert_eq!(c.encrypt_with_random(E_MSG, &random("1205899eaf019bbd")), E_ENCRYPT);
}

#[test]
fn vector_e_reply_seals_exactly() {
    let c = crypt(E_TOKEN, &"A".repeat(43), E_APPID);
    let envelope = c.seal_with_random(E_REPLY_MSG, "1713424427", "415670741", &random("999951349e8ee746"));
    assert_eq!(envelope.encrypt, E_REPLY_ENCRYPT);
    assert_eq!(envelope.msg_signature, "03e0812039325c2712ef5f0f980fd14c70d6e307");
    assert_eq!(
        envelope.to_xml(),
        format!(
            "<xml><Encrypt><![CDATA[{E_REPLY_ENCRYPT}]]></Encrypt>\
             <MsgSignature><![CDATA[03e0812039325c2712ef5f0f980fd14c70d6e307]]></MsgSignature>\
             <TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>"
        )
    );
    // The reply form is an envelope too.
    let opened = c
        .open(&envelope.msg_signature, "1713424427", "415670741", &envelope.to_xml())
        .unwrap();
    assert_eq!(opened.message, E_REPLY_MSG);
}

// ---------------------------------------------------------------- F

#[test]
fn vector_f_wechatpy_decrypt_case() {
    let c = crypt(F_TOKEN, KEY_F, F_APPID);
    let envelope = push_envelope(F_APPID, F_ENCRYPT);
    let opened = c
        .open(
            "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
            "1411525903",
            "461056294",
            &envelope,
        )
        .unwrap();
    assert_eq!(opened, decrypted(F_MSG, F_APPID, KeyUsed::Current));
    assert_eq!(c.encrypt_with_random(F_MSG, &random("ec90b1530358d4d3")), F_ENCRYPT);
}

#[test]
fn vector_f_wechatpy_echostr_case() {
    let c = crypt(F_TOKEN, KEY_F, F_APPID);
    c.verify_signature(
        "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
        "1411443780",
        "437374425",
        F_ECHOSTR,
    )
    .unwrap();
    assert_eq!(c.decrypt(F_ECHOSTR).unwrap().message, "5927782489442352469");
}

#[test]
fn vector_f_wechatpy_encrypt_case() {
    let c = crypt(F_TOKEN, KEY_F, F_APPID);
    let envelope = c.seal_with_random(F_REPLY, "1411525903", "461056294", &random("1234567890123456"));
    assert_eq!(envelope.encrypt, F_REPLY_ENCRYPT);
    assert_eq!(envelope.msg_signature, "407518b7649e86ef23978113f92d27afa9296533");
}

// ---------------------------------------------------------------- refusals

#[test]
fn tampered_signature_is_rejected() {
    let c = crypt(CD_TOKEN, KEY_A, CD_APPID);
    let envelope = push_envelope("gh_10f6c3c3ac5a", C_ENCRYPT);
    let (ts, nonce) = ("1409735669", "1320562132");
    for sig in [
        "5d197aaffba7e9b25a30732f161a50dee96bd5fb",
        "5D197AAFFBA7E9B25A30732F161A50DEE96BD5FA",
        "5d197aaffba7e9b25a30732f161a50dee96bd5f",
        "",
    ] {
        assert_eq!(
            c.open(sig, ts, nonce, &envelope),
            Err(CryptoError::BadSignature),
            "{sig:?}"
        );
    }
    let good = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
    // The signature covers timestamp, nonce, token and the ciphertext.
    assert_eq!(
        c.open(good, "1409735670", nonce, &envelope),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        c.open(good, ts, "1320562133", &envelope),
        Err(CryptoError::BadSignature)
    );
    let other_token = crypt("spamtesT", KEY_A, CD_APPID);
    assert_eq!(
        other_token.open(good, ts, nonce, &envelope),
        Err(CryptoError::BadSignature)
    );
    let tampered = push_envelope("gh_10f6c3c3ac5a", &C_ENCRYPT.replacen('h', "H", 1));
    assert_eq!(c.open(good, ts, nonce, &tampered), Err(CryptoError::BadSignature));
}

#[test]
fn wrong_appid_is_rejected_naming_both() {
    let c = crypt(CD_TOKEN, KEY_A, "wx0000000000000000");
    let err = c.decrypt(C_ENCRYPT).unwrap_err();
    assert_eq!(
        err,
        CryptoError::WrongAppId {
            expected: "wx0000000000000000".into(),
            got: CD_APPID.into()
        }
    );
    let msg = err.to_string();
    assert!(
        msg.contains("\"wx2c2769f8efd9abc2\"") && msg.contains("\"wx0000000000000000\""),
        "{msg}"
    );
    // The check is exact, not a prefix match.
    let prefix = crypt(CD_TOKEN, KEY_A, "wx2c2769f8efd9abc");
    assert!(matches!(prefix.decrypt(C_ENCRYPT), Err(CryptoError::WrongAppId { .. })));
}

#[test]
fn wrong_key_is_bad_padding() {
    let c = crypt(CD_TOKEN, KEY_F, CD_APPID);
    assert_eq!(c.decrypt(C_ENCRYPT), Err(CryptoError::BadPadding));
}

#[test]
fn previous_key_decrypts_after_a_key_change_and_the_reply_uses_it() {
    let old = crypt(A_TOKEN, KEY_A, A_APPID);
    let push = old.seal_with_random(A1_MSG, A_TIMESTAMP, A_NONCE, A_RANDOM);
    let xml = push.to_xml();

    let current_only = crypt(A_TOKEN, KEY_F, A_APPID);
    assert_eq!(
        current_only.open(&push.msg_signature, A_TIMESTAMP, A_NONCE, &xml),
        Err(CryptoError::BadPadding)
    );

    let rotated = current_only.clone().with_previous_key(KEY_A).unwrap();
    let opened = rotated.open(&push.msg_signature, A_TIMESTAMP, A_NONCE, &xml).unwrap();
    assert_eq!(opened, decrypted(A1_MSG, A_APPID, KeyUsed::Previous));

    // A push under the new key still says Current.
    let fresh = rotated.seal("hello", "1", "2");
    assert_eq!(
        rotated
            .open(&fresh.msg_signature, "1", "2", &fresh.to_xml())
            .unwrap()
            .key,
        KeyUsed::Current
    );

    // The reply goes out under the key that worked, so the old-key side can read it.
    let reply = rotated.seal_reply(&opened, "success", "3", "4");
    assert_eq!(
        old.open(&reply.msg_signature, "3", "4", &reply.to_xml())
            .unwrap()
            .message,
        "success"
    );
    // Each reply carries a fresh random prefix, so what the wrong key decrypts it to is random:
    // almost always no valid padding, but about once in 256 the last byte is 1 and the failure is
    // a length, appid or UTF-8 one instead. Every one of them says "not this key"; what must never
    // happen is the current key reading the reply. Many replies cover the rare branches.
    for _ in 0..2_000 {
        let reply = rotated.seal_reply(&opened, "success", "3", "4");
        let wrong_key = current_only.decrypt(&reply.encrypt);
        assert!(
            matches!(
                wrong_key,
                Err(CryptoError::BadPadding
                    | CryptoError::BadLength
                    | CryptoError::WrongAppId { .. }
                    | CryptoError::BadUtf8)
            ),
            "the current key must not open a reply sealed under the previous key: {wrong_key:?}"
        );
    }
}

#[test]
fn when_both_keys_fail_the_current_keys_reason_is_reported() {
    let c = crypt(CD_TOKEN, KEY_A, "wx0000000000000000")
        .with_previous_key(KEY_F)
        .unwrap();
    assert!(matches!(c.decrypt(C_ENCRYPT), Err(CryptoError::WrongAppId { .. })));
}

#[test]
fn hostile_plaintexts_get_their_own_errors() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    let appid = A_APPID.as_bytes();
    // Declared length far beyond the plaintext.
    let huge = encrypt_raw(KEY_A, &layout(u32::MAX, b"hi", appid));
    assert_eq!(c.decrypt(&huge), Err(CryptoError::BadLength));
    // Declared length one past the end.
    let over = encrypt_raw(KEY_A, &layout(2 + appid.len() as u32 + 1, b"hi", appid));
    assert_eq!(c.decrypt(&over), Err(CryptoError::BadLength));
    // Declared length swallowing the appid: what is left is not our appid.
    let swallow = encrypt_raw(KEY_A, &layout(2 + appid.len() as u32, b"hi", appid));
    assert_eq!(
        c.decrypt(&swallow),
        Err(CryptoError::WrongAppId {
            expected: A_APPID.into(),
            got: String::new()
        })
    );
    // Shorter than the 20-byte header once unpadded.
    let mut short = b"0123456789".to_vec();
    short.resize(32, 22);
    assert_eq!(c.decrypt(&encrypt_raw(KEY_A, &short)), Err(CryptoError::BadLength));
    // Pad byte 0, pad byte 33, inconsistent pad bytes.
    let mut zero = layout(2, b"hi", appid);
    *zero.last_mut().unwrap() = 0;
    assert_eq!(c.decrypt(&encrypt_raw(KEY_A, &zero)), Err(CryptoError::BadPadding));
    let mut big = layout(2, b"hi", appid);
    *big.last_mut().unwrap() = 33;
    assert_eq!(c.decrypt(&encrypt_raw(KEY_A, &big)), Err(CryptoError::BadPadding));
    // Padding to a multiple of 16 instead of 32, as a block-16 PKCS#7 would, is accepted: the
    // pad value (8 here) is within 1..=32 and every pad byte agrees.
    let mut sixteen = b"0123456789abcdef\0\0\0\x02hi".to_vec();
    sixteen.extend_from_slice(appid);
    assert_eq!(sixteen.len() % 16, 8);
    sixteen.resize(sixteen.len() + 8, 8);
    assert_eq!(c.decrypt(&encrypt_raw(KEY_A, &sixteen)).unwrap().message, "hi");
    // Not UTF-8.
    let latin1 = encrypt_raw(KEY_A, &layout(2, b"\xe9t", appid));
    assert_eq!(c.decrypt(&latin1), Err(CryptoError::BadUtf8));
    // A foreign appid that is not UTF-8 is reported lossily, on one line.
    let err = c
        .decrypt(&encrypt_raw(KEY_A, &layout(2, b"hi", b"wx\xff\n")))
        .unwrap_err();
    assert_eq!(
        err,
        CryptoError::WrongAppId {
            expected: A_APPID.into(),
            got: "wx\u{fffd}\n".into()
        }
    );
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn malformed_ciphertexts_are_refused_not_panicked_on() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    for (input, want) in [
        ("", CryptoError::BadLength),
        ("not base64!", CryptoError::BadBase64),
        ("jn1L23DB+6ELqJ+6", CryptoError::BadLength),
        // URL-safe alphabet.
        (
            "jn1L23DB-6ELqJ_6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5-3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
            CryptoError::BadBase64,
        ),
        // One block of zeros: its decryption under key A does not end in valid padding.
        ("AAAAAAAAAAAAAAAAAAAAAA==", CryptoError::BadPadding),
    ] {
        assert_eq!(c.decrypt(input), Err(want), "{input:?}");
    }
}

// ---------------------------------------------------------------- envelopes

#[test]
fn extract_encrypt_reads_every_envelope_form() {
    let forms = [
        format!("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{A1_ENCRYPT}]]></Encrypt></xml>"),
        format!("<xml><AppId><![CDATA[wx1]]></AppId><Encrypt><![CDATA[{A1_ENCRYPT}]]></Encrypt></xml>"),
        // wechatpy's reply form, one element per line.
        format!(
            "<xml>\n<Encrypt><![CDATA[{A1_ENCRYPT}]]></Encrypt>\n<MsgSignature><![CDATA[x]]></MsgSignature>\n<TimeStamp>1</TimeStamp>\n<Nonce><![CDATA[n]]></Nonce>\n</xml>"
        ),
        // Plain text instead of CDATA; '+' is fine, '=' too.
        format!("<?xml version=\"1.0\"?><xml><Encrypt>\n  {A1_ENCRYPT}\n</Encrypt></xml>"),
        format!("<xml><Encrypt>{}</Encrypt></xml>", A1_ENCRYPT.replace('+', "&#43;")),
    ];
    for xml in forms {
        assert_eq!(extract_encrypt(&xml).as_deref(), Ok(A1_ENCRYPT), "{xml}");
    }
}

#[test]
fn extract_encrypt_refuses_envelopes_without_it() {
    for xml in [
        "<xml><ToUserName>gh</ToUserName></xml>",
        "<xml><Encrypt/></xml>",
        "<xml><Encrypt>  </Encrypt></xml>",
        "<xml><Inner><Encrypt>abc</Encrypt></Inner></xml>",
        "<xml/>",
        "",
    ] {
        assert_eq!(extract_encrypt(xml), Err(CryptoError::MissingEncrypt), "{xml}");
    }
    for xml in [
        "<xml><Encrypt>abc</Nonce></xml>",
        "<xml><Encrypt>abc",
        "<xml><Encrypt>a&bogus;c</Encrypt></xml>",
    ] {
        let err = extract_encrypt(xml).unwrap_err();
        assert!(matches!(err, CryptoError::BadXml(_)), "{xml}: {err:?}");
        assert!(!err.to_string().contains('\n'));
    }
}

#[test]
fn envelope_cdata_survives_a_nonce_containing_the_terminator() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    let envelope = c.seal("hi", "1<2", "a]]>b");
    let xml = envelope.to_xml();
    assert!(xml.contains("<TimeStamp>1&lt;2</TimeStamp>"), "{xml}");
    assert!(xml.contains("<Nonce><![CDATA[a]]]]><![CDATA[>b]]></Nonce>"), "{xml}");
    assert_eq!(
        c.open(&envelope.msg_signature, "1<2", "a]]>b", &xml).unwrap().message,
        "hi"
    );
}

#[test]
fn every_error_message_is_distinct_and_one_line() {
    let errors = [
        CryptoError::BadSignature,
        CryptoError::BadKey("x".into()),
        CryptoError::BadBase64,
        CryptoError::BadPadding,
        CryptoError::BadLength,
        CryptoError::WrongAppId {
            expected: "a".into(),
            got: "b".into(),
        },
        CryptoError::BadUtf8,
        CryptoError::MissingEncrypt,
        CryptoError::BadXml("y".into()),
    ];
    let mut seen = std::collections::HashSet::new();
    for err in errors {
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(seen.insert(msg.clone()), "duplicate message {msg}");
    }
}

#[test]
fn random_prefix_is_alphanumeric_and_fresh() {
    let c = crypt(A_TOKEN, KEY_A, A_APPID);
    let a = c.encrypt(A1_MSG);
    let b = c.encrypt(A1_MSG);
    assert_ne!(a, b);
    // Decrypt raw with the key to look at the prefix.
    let key = EncodingAesKey::parse(KEY_A).unwrap();
    for ct in [a, b] {
        use cbc::cipher::BlockDecryptMut;
        let plain = cbc::Decryptor::<Aes256>::new(key.as_bytes().into(), &key.iv().into())
            .decrypt_padded_vec_mut::<NoPadding>(&STANDARD.decode(&ct).unwrap())
            .unwrap();
        assert!(plain[..16].iter().all(u8::is_ascii_alphanumeric), "{:?}", &plain[..16]);
        assert_eq!(c.decrypt(&ct).unwrap().message, A1_MSG);
    }
}

// ---------------------------------------------------------------- properties

proptest! {
    #[test]
    fn seal_then_open_round_trips(
        key in "[A-Za-z0-9]{43}",
        token in "[A-Za-z0-9]{1,32}",
        appid in "wx[a-f0-9]{16}",
        msg in any::<String>(),
        random in any::<[u8; 16]>(),
        timestamp in "[0-9]{10}",
        nonce in "[0-9]{1,10}",
    ) {
        let c = crypt(&token, &key, &appid);
        let ct = c.encrypt_with_random(&msg, &random);
        let raw_len = STANDARD.decode(&ct).unwrap().len();
        prop_assert_eq!(raw_len, (20 + msg.len() + appid.len()) / 32 * 32 + 32);
        prop_assert_eq!(c.decrypt(&ct), Ok(decrypted(&msg, &appid, KeyUsed::Current)));

        let envelope = c.seal_with_random(&msg, &timestamp, &nonce, &random);
        prop_assert_eq!(&envelope.encrypt, &ct);
        prop_assert_eq!(&envelope.msg_signature, &signature(&token, &timestamp, &nonce, &ct));
        let opened = c.open(&envelope.msg_signature, &timestamp, &nonce, &envelope.to_xml());
        prop_assert_eq!(opened, Ok(decrypted(&msg, &appid, KeyUsed::Current)));
    }

    #[test]
    fn decrypt_of_arbitrary_ciphertext_is_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let c = crypt(A_TOKEN, KEY_A, A_APPID);
        prop_assert!(c.decrypt(&STANDARD.encode(&bytes)).is_err());
    }

    #[test]
    fn decrypt_of_arbitrary_text_is_an_error(text in any::<String>()) {
        let c = crypt(A_TOKEN, KEY_A, A_APPID);
        prop_assert!(c.decrypt(&text).is_err());
        prop_assert!(c.open("sig", "1", "2", &text).is_err());
    }

    /// Arbitrary plaintext under the right key gets past AES and exercises the padding, length
    /// and appid checks; whatever comes out must be consistent, and nothing may panic.
    #[test]
    fn decrypt_of_arbitrary_plaintext_never_panics(blocks in proptest::collection::vec(any::<[u8; 16]>(), 1..12)) {
        let c = crypt(A_TOKEN, KEY_A, A_APPID);
        let plain: Vec<u8> = blocks.concat();
        if let Ok(d) = c.decrypt(&encrypt_raw(KEY_A, &plain)) {
            prop_assert_eq!(d.appid, A_APPID);
        }
    }

    /// Any well-formed layout with a pad byte outside 1..=32 is BadPadding.
    #[test]
    fn pad_bytes_outside_1_to_32_are_bad_padding(last in prop_oneof![Just(0u8), 33u8..=255]) {
        let c = crypt(A_TOKEN, KEY_A, A_APPID);
        let mut plain = layout(2, b"hi", A_APPID.as_bytes());
        *plain.last_mut().unwrap() = last;
        prop_assert_eq!(c.decrypt(&encrypt_raw(KEY_A, &plain)), Err(CryptoError::BadPadding));
    }
}
