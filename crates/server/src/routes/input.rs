//! What an operator gives each route, checked before WeChat is called: a mistake WeChat would
//! refuse (86022, 89255, 86011, …) or, worse, a task opened on a wrong subject, is answered
//! 422 naming the field instead.
//!
//! - the unified social credit code (统一社会信用代码): 18 characters of GB 32100-2015's
//!   alphabet (digits and upper-case letters without I, O, S, V, Z) whose last one is the check
//!   character of the first 17;
//! - a phone: a mainland mobile number (11 digits, `1[3-9]…`) or a landline with its area code
//!   (`0` + 9–11 digits; spaces and hyphens are ignored);
//! - a trial's name: 4–30 characters, none of WeChat's forbidden words (小程序, 微信, 腾讯,
//!   WeChat, Weixin, Tencent: WeChat refuses them with 86011), and not already ending with the
//!   suffix WeChat adds (“的体验小程序”);
//! - a WeChat id (personal): starts with a letter, then letters, digits, `_` or `-`, 2–64
//!   characters; an openid (trial): 16–64 characters of letters, digits, `_` and `-`.

use serde::{Deserialize, Serialize};

/// A field that failed its check: the JSON path and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field's JSON path (`enterprise.code`).
    pub field: String,
    /// What is wrong, in English.
    pub reason: String,
}

fn bad(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// GB 32100-2015's alphabet, in value order.
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100-2015's weights of the first 17 characters.
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character of the first 17 characters of a credit code, if they are all in the
/// alphabet.
pub fn credit_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(CREDIT_WEIGHTS) {
        let v = u32::try_from(CREDIT_ALPHABET.find(c)?).ok()?;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    CREDIT_ALPHABET.chars().nth(check as usize)
}

/// Checks a unified social credit code, with its check character.
pub fn credit_code(field: &str, code: &str) -> Result<(), FieldError> {
    let n = code.chars().count();
    if n != 18 {
        return Err(bad(
            field,
            format!("a unified social credit code has 18 characters; this one has {n}"),
        ));
    }
    if let Some(c) = code.chars().find(|c| !CREDIT_ALPHABET.contains(*c)) {
        return Err(bad(
            field,
            format!(
                "{c:?} is not allowed in a unified social credit code (digits and upper-case letters except I, O, S, V, Z)"
            ),
        ));
    }
    let (first, last) = code.split_at(17);
    let expected = credit_check_char(first).unwrap_or('?');
    if !last.starts_with(expected) {
        return Err(bad(
            field,
            format!(
                "the check character is wrong (GB 32100-2015 gives {expected:?} for the first 17, not {last:?}): check the code for a typo"
            ),
        ));
    }
    Ok(())
}

/// Checks a phone number.
pub fn phone(field: &str, phone: &str) -> Result<(), FieldError> {
    let digits: String = phone.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    if all_digits && (mobile || landline) {
        Ok(())
    } else {
        Err(bad(
            field,
            format!(
                "{phone:?} is not a phone number: give a mainland mobile number (11 digits, 13…–19…) or a landline with its area code"
            ),
        ))
    }
}

fn required(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let n = value.trim().chars().count();
    if n == 0 {
        return Err(bad(field, "is required"));
    }
    if n > max {
        return Err(bad(field, format!("is at most {max} characters; this one has {n}")));
    }
    Ok(())
}

/// Words WeChat refuses in a trial's name (86011: “像小程序、微信、腾讯等以及知名品牌关键字”).
pub const FORBIDDEN_WORDS: [&str; 6] = ["小程序", "微信", "腾讯", "wechat", "weixin", "tencent"];

/// Checks a trial's name (WeChat appends “的体验小程序”).
pub fn trial_name(field: &str, name: &str) -> Result<(), FieldError> {
    let n = name.trim().chars().count();
    if !(4..=30).contains(&n) {
        return Err(bad(
            field,
            format!("a trial's name has 4 to 30 characters; this one has {n}"),
        ));
    }
    if name.trim() != name {
        return Err(bad(field, "must not start or end with spaces"));
    }
    let lower = name.to_lowercase();
    if let Some(w) = FORBIDDEN_WORDS.iter().find(|w| lower.contains(*w)) {
        return Err(bad(
            field,
            format!("contains {w:?}, which WeChat refuses in a name (86011); WeChat adds “的体验小程序” itself"),
        ));
    }
    Ok(())
}

fn token_like(
    field: &str,
    value: &str,
    what: &str,
    min: usize,
    max: usize,
    letter_first: bool,
) -> Result<(), FieldError> {
    let n = value.chars().count();
    let ok_chars = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let ok_first = !letter_first || value.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if (min..=max).contains(&n) && ok_chars && ok_first {
        Ok(())
    } else {
        Err(bad(
            field,
            format!(
                "{value:?} is not {what} ({min}–{max} letters, digits, _ or -{})",
                if letter_first { ", starting with a letter" } else { "" }
            ),
        ))
    }
}

/// The enterprise route's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EnterpriseInput)]
pub struct Enterprise {
    /// The enterprise's registered name.
    pub name: String,
    /// Its unified social credit code.
    pub code: String,
    /// The platform's contact phone (第三方联系电话).
    pub component_phone: String,
}

/// The personal route's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PersonalInput)]
pub struct Personal {
    /// The user's WeChat id (微信号).
    pub wxuser: String,
    /// The platform's contact phone.
    pub component_phone: String,
}

/// The trial route's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TrialInput)]
pub struct Trial {
    /// The name (WeChat appends “的体验小程序”).
    pub name: String,
    /// The openid of the user who becomes the trial's admin.
    pub openid: String,
}

/// A trial's conversion input (`verify-beta`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = VerifyBeta)]
pub struct Conversion {
    /// The enterprise's registered name.
    pub enterprise_name: String,
    /// Its unified social credit code.
    pub code: String,
    /// The platform's contact phone.
    pub component_phone: String,
}

/// One route's input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteInput {
    /// `"enterprise": {…}`.
    Enterprise(Enterprise),
    /// `"personal": {…}`.
    Personal(Personal),
    /// `"trial": {…}`.
    Trial(Trial),
}

impl Enterprise {
    /// Checks every field (`prefix` is the JSON path of the object).
    pub fn check(&self, prefix: &str) -> Result<(), FieldError> {
        required(&format!("{prefix}.name"), &self.name, 100)?;
        credit_code(&format!("{prefix}.code"), &self.code)?;
        phone(&format!("{prefix}.component_phone"), &self.component_phone)
    }
}

impl Personal {
    /// Checks every field.
    pub fn check(&self, prefix: &str) -> Result<(), FieldError> {
        token_like(&format!("{prefix}.wxuser"), &self.wxuser, "a WeChat id", 2, 64, true)?;
        phone(&format!("{prefix}.component_phone"), &self.component_phone)
    }
}

impl Trial {
    /// Checks every field.
    pub fn check(&self, prefix: &str) -> Result<(), FieldError> {
        trial_name(&format!("{prefix}.name"), &self.name)?;
        token_like(&format!("{prefix}.openid"), &self.openid, "an openid", 16, 64, false)
    }
}

impl Conversion {
    /// Checks every field.
    pub fn check(&self) -> Result<(), FieldError> {
        required("enterprise_name", &self.enterprise_name, 100)?;
        credit_code("code", &self.code)?;
        phone("component_phone", &self.component_phone)
    }
}

impl RouteInput {
    /// Checks every field.
    pub fn check(&self) -> Result<(), FieldError> {
        match self {
            RouteInput::Enterprise(e) => e.check("enterprise"),
            RouteInput::Personal(p) => p.check("personal"),
            RouteInput::Trial(t) => t.check("trial"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_checked_with_their_check_character() {
        // Published codes of real companies.
        for ok in ["91350100M000100Y43", "91110000600001760P", "91440300MA5REG0001"] {
            assert_eq!(credit_code("code", ok), Ok(()), "{ok}");
        }
        let typo = credit_code("code", "91350100M000100Y44").unwrap_err();
        assert!(typo.reason.contains("check character"), "{typo}");
        assert_eq!(typo.field, "code");
        assert!(credit_code("code", "9135010").unwrap_err().reason.contains("18"));
        assert!(
            credit_code("code", "91350100M000100YO3")
                .unwrap_err()
                .reason
                .contains("'O'")
        );
    }

    #[test]
    fn phones_trial_names_and_ids() {
        assert!(phone("p", "13800000000").is_ok());
        assert!(phone("p", "138-0000-0000").is_ok());
        assert!(phone("p", "0755 12345678").is_ok());
        assert!(phone("p", "12800000000").is_err());
        assert!(phone("p", "1380000000x").is_err());
        assert!(trial_name("n", "小麦烤鸡店").is_ok());
        assert!(trial_name("n", "烤鸡").unwrap_err().reason.contains("4 to 30"));
        assert!(trial_name("n", "微信烤鸡店").unwrap_err().reason.contains("86011"));
        assert!(trial_name("n", "My WeChat shop").is_err());
        assert!(token_like("w", "reg_user_ok", "a WeChat id", 2, 64, true).is_ok());
        assert!(token_like("w", "1abc", "a WeChat id", 2, 64, true).is_err());
    }
}
