//! Input rules WeChat enforces on what a fast-registered Mini Program is given — crop box,
//! head image, nickname, signature (功能介绍) and temporary media — as functions that say what
//! is wrong before a call spends a monthly quota or comes back with a bare 40097.
//!
//! Sources, and how sure we are:
//! - Crop box and head image: spec §4 (坐标取值范围 [0, 1]; BMP/JPEG/JPG/GIF/PNG, 不超过 2M;
//!   实际头像始终为正方形). Sure.
//! - Nickname: WeChat's 小程序名称设置规范, "长度在4-30个字符之间，一个中文字等于2个字符", as
//!   quoted in WeChat's developer community (thread 000a8a867a44b8966da8399a054c00)
//!   and in many copies of the MP help text; the new setnickname doc
//!   (`/doc/oplatform/openApi/miniprogram-management/basic-info-management/api_setnickname`)
//!   adds "不支持包含“小程序”关键字的昵称". **Uncertain:** which characters weigh 2 (we weigh
//!   everything outside Latin-1, see [`weighted_len`]), and whether the 4 minimum is enforced
//!   as 4 Chinese characters (the same thread reports a reviewer asking for 4 汉字). Which
//!   symbols are allowed ("部分特殊符号") is not documented, so only control characters are refused.
//! - Signature: the limit comes from the newer setSignature doc
//!   (`…/basic-info-management/api_setsignature`), whose error 53204 reads
//!   "功能介绍长度必须在4~120个字符范围，且是合法的UTF8字符串", with the note "signature至少4个字的
//!   中文描述". The endpoint of our spec, `/cgi-bin/account/modifysignature` (spec §5), lists only
//!   40097 参数错误 for a bad signature, so that is what it answers here and in the emulator;
//!   53204 is catalogued for platforms that meet it from the newer endpoint. **Uncertain:** the
//!   unit; we count Unicode characters, so a Chinese character counts 1 here. The "Chinese
//!   description" note is not enforced.
//! - Temporary media: protocol-notes §4 (media/upload). Images are held to 2 MiB, the safe one of
//!   the doc's two figures (10 MB in the table, 2 MB in 注意事项).

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// One mebibyte, the unit WeChat's "M" limits are taken in.
const MIB: usize = 1024 * 1024;

/// Largest head image modifyheadimage accepts (spec §4: 不超过 2M).
pub const HEAD_IMAGE_MAX_BYTES: usize = 2 * MIB;
/// Allowed [`weighted_len`] of a Mini Program nickname.
pub const NICKNAME_WEIGHTED_LEN: RangeInclusive<usize> = 4..=30;
/// A word a Mini Program nickname may not contain (setnickname doc).
pub const NICKNAME_RESERVED_WORD: &str = "小程序";
/// Allowed length of a signature (功能介绍), in Unicode characters.
pub const SIGNATURE_LEN: RangeInclusive<usize> = 4..=120;

/// Why an input breaks a WeChat rule. Each message names the field, what was found and the limit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// A crop box coordinate is out of range or the box is empty.
    #[error("crop box {field} is {value}: {reason}")]
    CropBox {
        /// `x1`, `y1`, `x2` or `y2`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// What is wrong and what is allowed.
        reason: &'static str,
    },
    /// The input has no content.
    #[error("{field} is empty; {fix}")]
    Empty {
        /// The field.
        field: &'static str,
        /// What to pass instead.
        fix: &'static str,
    },
    /// The input is larger than WeChat accepts.
    #[error("{field} is {size} bytes, over the limit of {limit} bytes ({limit_text}); shrink or recompress it")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The size found.
        size: usize,
        /// The limit in bytes.
        limit: usize,
        /// The limit as WeChat states it (`2 MiB`, `64 KiB`, …).
        limit_text: &'static str,
    },
    /// The input's format is not one WeChat accepts for this field.
    #[error("{field} is {found}, not one of {allowed}; convert it first")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What the content looks like (`PNG`, `an unrecognized format (first bytes 00 01 02 03)`).
        found: String,
        /// The accepted formats.
        allowed: &'static str,
    },
    /// A text is too short or too long.
    #[error("{field} is {len} {unit} long, allowed {min} to {max}; {fix}")]
    Length {
        /// The field.
        field: &'static str,
        /// The length found.
        len: usize,
        /// The minimum.
        min: usize,
        /// The maximum.
        max: usize,
        /// How the length is counted.
        unit: &'static str,
        /// How to bring it in range.
        fix: &'static str,
    },
    /// A text contains a control character.
    #[error("{field} contains the control character {ch:?}; remove it")]
    ControlChar {
        /// The field.
        field: &'static str,
        /// The first offending character.
        ch: char,
    },
    /// A nickname contains a word WeChat reserves.
    #[error("{field} contains {word:?}, which WeChat does not allow in a Mini Program name; drop the word")]
    ReservedWord {
        /// The field.
        field: &'static str,
        /// The reserved word.
        word: &'static str,
    },
}

/// The crop box of modifyheadimage (spec §4): top-left `(x1, y1)` and bottom-right `(x2, y2)`
/// as fractions of the uploaded image, each in `[0, 1]`.
///
/// WeChat always stores a square avatar; a box that is not square in pixels is cropped as given
/// and then fitted to a square by WeChat, so callers wanting no distortion should pass a box
/// whose width and height are equal in pixels (which in fractions depends on the image's aspect).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CropBox {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl CropBox {
    /// The whole image.
    pub const FULL: CropBox = CropBox {
        x1: 0.0,
        y1: 0.0,
        x2: 1.0,
        y2: 1.0,
    };

    /// Checks each coordinate is finite and in `[0, 1]`, and that `x1 < x2`, `y1 < y2`.
    pub fn new(x1: f64, y1: f64, x2: f64, y2: f64) -> Result<Self, RuleError> {
        for (field, value) in [("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2)] {
            if !value.is_finite() {
                return Err(RuleError::CropBox {
                    field,
                    value,
                    reason: "not a finite number; pass a fraction between 0 and 1",
                });
            }
            if !(0.0..=1.0).contains(&value) {
                return Err(RuleError::CropBox {
                    field,
                    value,
                    reason: "outside [0, 1]; coordinates are fractions of the image size",
                });
            }
        }
        if x1 >= x2 {
            return Err(RuleError::CropBox {
                field: "x2",
                value: x2,
                reason: "not greater than x1; x2 is the right edge and must lie right of x1",
            });
        }
        if y1 >= y2 {
            return Err(RuleError::CropBox {
                field: "y2",
                value: y2,
                reason: "not greater than y1; y2 is the bottom edge and must lie below y1",
            });
        }
        Ok(Self { x1, y1, x2, y2 })
    }

    /// Left edge.
    pub fn x1(&self) -> f64 {
        self.x1
    }
    /// Top edge.
    pub fn y1(&self) -> f64 {
        self.y1
    }
    /// Right edge.
    pub fn x2(&self) -> f64 {
        self.x2
    }
    /// Bottom edge.
    pub fn y2(&self) -> f64 {
        self.y2
    }
}

impl<'de> Deserialize<'de> for CropBox {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            x1: f64,
            y1: f64,
            x2: f64,
            y2: f64,
        }
        let r = Raw::deserialize(d)?;
        CropBox::new(r.x1, r.y1, r.x2, r.y2).map_err(serde::de::Error::custom)
    }
}

/// An image format recognized by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// `BM`.
    Bmp,
    /// `FF D8 FF` (JPEG and "JPG" are the same format).
    Jpeg,
    /// `GIF87a` / `GIF89a`.
    Gif,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
}

impl ImageKind {
    /// The MIME type, for a multipart upload's content-type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Bmp => "image/bmp",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Png => "image/png",
        }
    }

    /// A file extension WeChat accepts for the format (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Bmp => "bmp",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Png => "png",
        }
    }
}

impl fmt::Display for ImageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bmp => "BMP",
            Self::Jpeg => "JPEG",
            Self::Gif => "GIF",
            Self::Png => "PNG",
        })
    }
}

/// The image format of `bytes` by its magic bytes, if it is one of BMP, JPEG, GIF, PNG.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageKind::Gif)
    } else if bytes.starts_with(b"BM") {
        Some(ImageKind::Bmp)
    } else {
        None
    }
}

/// Checks a head image for modifyheadimage (spec §4): non-empty, at most 2 MiB, and BMP, JPEG,
/// GIF or PNG.
///
/// The image reaches modifyheadimage through media/upload `type=image`, whose doc lists only
/// PNG/JPEG/JPG/GIF: a BMP passes this rule but not [`check_temp_media`], so convert BMPs before
/// uploading.
pub fn check_head_image(bytes: &[u8]) -> Result<ImageKind, RuleError> {
    const FIELD: &str = "head image";
    if bytes.is_empty() {
        return Err(RuleError::Empty {
            field: FIELD,
            fix: "pass the image file's bytes",
        });
    }
    if bytes.len() > HEAD_IMAGE_MAX_BYTES {
        return Err(RuleError::TooLarge {
            field: FIELD,
            size: bytes.len(),
            limit: HEAD_IMAGE_MAX_BYTES,
            limit_text: "2 MiB",
        });
    }
    sniff_image(bytes).ok_or_else(|| RuleError::WrongType {
        field: FIELD,
        found: unrecognized(bytes),
        allowed: "BMP, JPEG, GIF, PNG",
    })
}

/// The length WeChat's name rules count: a character outside Latin-1 (Chinese, Japanese,
/// Korean, full-width punctuation, emoji) weighs 2, any other weighs 1.
///
/// This is the `[^\x00-\xff]` → 2 convention WeChat front ends and SDK users apply to "一个中文字
/// 等于2个字符"; WeChat does not publish which characters count double (uncertain).
///
/// ```
/// use fastreg_protocol::rules::weighted_len;
/// assert_eq!(weighted_len("abc"), 3);
/// assert_eq!(weighted_len("腾讯"), 4);
/// assert_eq!(weighted_len("QQ音乐"), 6);
/// ```
pub fn weighted_len(s: &str) -> usize {
    s.chars().map(|c| if u32::from(c) <= 0xFF { 1 } else { 2 }).sum()
}

/// Checks a Mini Program nickname (setnickname `nick_name`, checkwxverifynickname): 4 to 30 by
/// [`weighted_len`], not blank, no control characters, not containing "小程序".
///
/// Passing does not mean WeChat will accept the name: uniqueness, protected names and
/// trademarks are checked only by WeChat (53010–53019, 91004–91008).
pub fn check_nickname(nick_name: &str) -> Result<(), RuleError> {
    const FIELD: &str = "nick_name";
    if nick_name.trim().is_empty() {
        return Err(RuleError::Empty {
            field: FIELD,
            fix: "pass a name of 4 to 30 characters (a Chinese character counts 2)",
        });
    }
    check_no_control(FIELD, nick_name, false)?;
    let len = weighted_len(nick_name);
    if !NICKNAME_WEIGHTED_LEN.contains(&len) {
        return Err(RuleError::Length {
            field: FIELD,
            len,
            min: *NICKNAME_WEIGHTED_LEN.start(),
            max: *NICKNAME_WEIGHTED_LEN.end(),
            unit: "characters (a Chinese character counts 2)",
            fix: if len < *NICKNAME_WEIGHTED_LEN.start() {
                "lengthen it, e.g. at least 2 Chinese or 4 Latin characters"
            } else {
                "shorten it, e.g. at most 15 Chinese or 30 Latin characters"
            },
        });
    }
    if nick_name.contains(NICKNAME_RESERVED_WORD) {
        return Err(RuleError::ReservedWord {
            field: FIELD,
            word: NICKNAME_RESERVED_WORD,
        });
    }
    Ok(())
}

/// Checks a signature (功能介绍, modifysignature `signature`): 4 to 120 Unicode characters, not
/// blank, no control characters other than line breaks. modifysignature answers a breach with
/// 40097 (spec §5); the newer setSignature doc's endpoint with 53204.
pub fn check_signature(signature: &str) -> Result<(), RuleError> {
    const FIELD: &str = "signature";
    if signature.trim().is_empty() {
        return Err(RuleError::Empty {
            field: FIELD,
            fix: "pass a description of 4 to 120 characters",
        });
    }
    check_no_control(FIELD, signature, true)?;
    let len = signature.chars().count();
    if !SIGNATURE_LEN.contains(&len) {
        return Err(RuleError::Length {
            field: FIELD,
            len,
            min: *SIGNATURE_LEN.start(),
            max: *SIGNATURE_LEN.end(),
            unit: "characters",
            fix: if len < *SIGNATURE_LEN.start() {
                "describe the service in at least 4 characters"
            } else {
                "shorten it to at most 120 characters"
            },
        });
    }
    Ok(())
}

fn check_no_control(field: &'static str, s: &str, allow_line_breaks: bool) -> Result<(), RuleError> {
    match s
        .chars()
        .find(|&c| c.is_control() && !(allow_line_breaks && (c == '\n' || c == '\r')))
    {
        Some(ch) => Err(RuleError::ControlChar { field, ch }),
        None => Ok(()),
    }
}

/// The `type=` of media/upload (protocol-notes §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// `image`: PNG, JPEG, GIF.
    Image,
    /// `voice`: AMR, MP3, at most 60 s.
    Voice,
    /// `video`: MP4.
    Video,
    /// `thumb`: JPEG thumbnail.
    Thumb,
}

impl MediaType {
    /// Every media type, in wire order.
    pub const ALL: [MediaType; 4] = [Self::Image, Self::Voice, Self::Video, Self::Thumb];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
            Self::Video => "video",
            Self::Thumb => "thumb",
        }
    }

    /// Largest upload we allow: image 2 MiB (the doc says 10 MB in one place and 2 MB in
    /// another; 2 is safe), voice 2 MiB, video 10 MiB, thumb 64 KiB.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::Image | Self::Voice => 2 * MIB,
            Self::Video => 10 * MIB,
            Self::Thumb => 64 * 1024,
        }
    }

    fn limit_text(self) -> &'static str {
        match self {
            Self::Image | Self::Voice => "2 MiB",
            Self::Video => "10 MiB",
            Self::Thumb => "64 KiB",
        }
    }

    fn allowed(self) -> &'static str {
        match self {
            Self::Image => "PNG, JPEG, GIF",
            Self::Voice => "AMR, MP3",
            Self::Video => "MP4",
            Self::Thumb => "JPEG",
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown media `type=` (WeChat answers 40004 "invalid media type").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("type {0:?} is not a media type; use image, voice, video or thumb")]
pub struct UnknownMediaType(pub String);

impl FromStr for MediaType {
    type Err = UnknownMediaType;
    fn from_str(s: &str) -> Result<Self, UnknownMediaType> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownMediaType(s.to_owned()))
    }
}

/// Checks a temporary media upload (media/upload): non-empty, within [`MediaType::max_bytes`],
/// and of a format the type accepts, recognized by magic bytes (MP3 by an ID3 tag or an MPEG
/// audio frame header, MP4 by its `ftyp` box). A voice's 60-second limit is not checked.
pub fn check_temp_media(kind: MediaType, bytes: &[u8]) -> Result<(), RuleError> {
    const FIELD: &str = "media";
    if bytes.is_empty() {
        return Err(RuleError::Empty {
            field: FIELD,
            fix: "pass the file's bytes",
        });
    }
    if bytes.len() > kind.max_bytes() {
        return Err(RuleError::TooLarge {
            field: FIELD,
            size: bytes.len(),
            limit: kind.max_bytes(),
            limit_text: kind.limit_text(),
        });
    }
    let image = sniff_image(bytes);
    let ok = match kind {
        MediaType::Image => matches!(image, Some(ImageKind::Png | ImageKind::Jpeg | ImageKind::Gif)),
        MediaType::Thumb => image == Some(ImageKind::Jpeg),
        MediaType::Voice => is_amr(bytes) || is_mp3(bytes),
        MediaType::Video => is_mp4(bytes),
    };
    if ok {
        return Ok(());
    }
    let found = match image {
        Some(k) => k.to_string(),
        None if is_amr(bytes) => "AMR".into(),
        None if is_mp4(bytes) => "MP4".into(),
        None if is_mp3(bytes) => "MP3".into(),
        None => unrecognized(bytes),
    };
    Err(RuleError::WrongType {
        field: FIELD,
        found: format!("{found} (for type={kind})"),
        allowed: kind.allowed(),
    })
}

fn is_amr(b: &[u8]) -> bool {
    b.starts_with(b"#!AMR")
}

fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b.len() >= 2 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}

fn is_mp4(b: &[u8]) -> bool {
    b.get(4..8) == Some(b"ftyp")
}

fn unrecognized(bytes: &[u8]) -> String {
    let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02X}")).collect();
    format!("an unrecognized format (first bytes {})", head.join(" "))
}

// ---- Characters that let one name pass for another (issue 13) ----
//
// Bidi controls reorder what is shown (a name can read backwards, or hide its end), and
// zero-width characters make two different names look the same, in the console and in WeChat's
// review. Neither belongs in a nickname or a description. WeChat's rules say nothing about them;
// we refuse them before a call is spent.

/// A text contains a character that changes how it looks without being seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{field} contains {name} (U+{code:04X}), an invisible character that can make one name look like another; remove it",
    code = u32::from(*ch)
)]
pub struct DeceptiveChar {
    /// The field.
    pub field: &'static str,
    /// The first offending character.
    pub ch: char,
    /// Its Unicode name.
    pub name: &'static str,
}

/// The Unicode name of `c` if it is a bidi control or an invisible (zero-width) character.
pub fn deceptive_char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{034F}' => "COMBINING GRAPHEME JOINER",
        '\u{115F}' => "HANGUL CHOSEONG FILLER",
        '\u{1160}' => "HANGUL JUNGSEONG FILLER",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}'..='\u{2064}' => "INVISIBLE OPERATOR",
        '\u{3164}' => "HANGUL FILLER",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{FFA0}' => "HALFWIDTH HANGUL FILLER",
        _ => return None,
    })
}

/// Refuses a nickname or description (`field`) with a bidi control or an invisible character,
/// naming it.
///
/// ```
/// use fastreg_protocol::rules::check_not_deceptive;
/// assert!(check_not_deceptive("nick_name", "Acme Shop").is_ok());
/// let e = check_not_deceptive("nick_name", "Acme\u{202E}pohS").unwrap_err();
/// assert!(e.to_string().contains("RIGHT-TO-LEFT OVERRIDE (U+202E)"));
/// ```
pub fn check_not_deceptive(field: &'static str, text: &str) -> Result<(), DeceptiveChar> {
    match text
        .chars()
        .find_map(|ch| deceptive_char_name(ch).map(|name| (ch, name)))
    {
        Some((ch, name)) => Err(DeceptiveChar { field, ch, name }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod deceptive_tests {
    use super::*;

    #[test]
    fn bidi_controls_and_zero_width_characters_are_named() {
        let e = check_not_deceptive("signature", "good\u{200B}shop").unwrap_err();
        assert_eq!((e.ch, e.name), ('\u{200B}', "ZERO WIDTH SPACE"));
        assert!(
            e.to_string()
                .starts_with("signature contains ZERO WIDTH SPACE (U+200B)"),
            "{e}"
        );
        assert!(check_not_deceptive("nick_name", "\u{2067}abc\u{2069}").is_err());
        assert!(check_not_deceptive("nick_name", "小程序商店 Shop-1").is_ok());
        assert!(check_not_deceptive("signature", "line one\nline two").is_ok());
    }
}
