//! Input rules: crop box, head image, nickname, signature and temporary media.

use fastreg_protocol::rules::{
    CropBox, HEAD_IMAGE_MAX_BYTES, ImageKind, MediaType, RuleError, check_head_image, check_nickname, check_signature,
    check_temp_media, sniff_image, weighted_len,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const GIF: &[u8] = b"GIF89a\x01\0\x01\0";
const BMP: &[u8] = b"BM\x36\0\0\0";

fn padded(head: &[u8], len: usize) -> Vec<u8> {
    let mut v = head.to_vec();
    v.resize(len, 0);
    v
}

#[test]
fn the_specs_crop_box_is_valid() {
    let b = CropBox::new(0.0, 0.0, 0.7596899224806202, 0.49).unwrap();
    assert_eq!(b.x2(), 0.7596899224806202);
    let json = serde_json::to_value(b).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"x1":0.0,"y1":0.0,"x2":0.7596899224806202,"y2":0.49})
    );
    assert_eq!(serde_json::from_value::<CropBox>(json).unwrap(), b);
    assert_eq!(CropBox::new(0.0, 0.0, 1.0, 1.0).unwrap(), CropBox::FULL);
}

#[test]
fn crop_box_errors_name_the_field() {
    let cases = [
        ((-0.1, 0.0, 1.0, 1.0), "x1"),
        ((0.0, 1.5, 1.0, 1.0), "y1"),
        ((0.0, 0.0, f64::NAN, 1.0), "x2"),
        ((0.0, 0.0, 1.0, f64::INFINITY), "y2"),
        ((0.5, 0.0, 0.5, 1.0), "x2"),
        ((0.0, 0.8, 1.0, 0.2), "y2"),
    ];
    for ((x1, y1, x2, y2), field) in cases {
        let err = CropBox::new(x1, y1, x2, y2).unwrap_err();
        assert!(
            matches!(err, RuleError::CropBox { field: f, .. } if f == field),
            "{field}: {err:?}"
        );
        assert!(err.to_string().starts_with(&format!("crop box {field} ")), "{err}");
    }
    assert!(serde_json::from_str::<CropBox>(r#"{"x1":0,"y1":0,"x2":2,"y2":1}"#).is_err());
}

#[test]
fn images_are_sniffed_by_magic_bytes() {
    assert_eq!(sniff_image(PNG), Some(ImageKind::Png));
    assert_eq!(sniff_image(JPEG), Some(ImageKind::Jpeg));
    assert_eq!(sniff_image(GIF), Some(ImageKind::Gif));
    assert_eq!(sniff_image(b"GIF87a"), Some(ImageKind::Gif));
    assert_eq!(sniff_image(BMP), Some(ImageKind::Bmp));
    assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBP"), None);
    assert_eq!(sniff_image(b""), None);
    assert_eq!(ImageKind::Jpeg.mime(), "image/jpeg");
}

#[test]
fn head_image_accepts_the_four_formats_up_to_2_mib() {
    for (bytes, kind) in [
        (PNG, ImageKind::Png),
        (JPEG, ImageKind::Jpeg),
        (GIF, ImageKind::Gif),
        (BMP, ImageKind::Bmp),
    ] {
        assert_eq!(check_head_image(bytes).unwrap(), kind);
    }
    assert_eq!(
        check_head_image(&padded(PNG, HEAD_IMAGE_MAX_BYTES)).unwrap(),
        ImageKind::Png
    );
}

#[test]
fn head_image_errors_say_what_was_found_and_the_limit() {
    let err = check_head_image(&padded(JPEG, 2 * 1024 * 1024 + 1)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("2097153 bytes") && msg.contains("2097152") && msg.contains("2 MiB"),
        "{msg}"
    );

    let err = check_head_image(b"RIFF\0\0\0\0WEBP").unwrap_err().to_string();
    assert!(
        err.contains("52 49 46 46") && err.contains("BMP, JPEG, GIF, PNG"),
        "{err}"
    );

    assert!(matches!(check_head_image(b""), Err(RuleError::Empty { .. })));
}

#[test]
fn weighted_len_counts_chinese_as_two() {
    assert_eq!(weighted_len(""), 0);
    assert_eq!(weighted_len("Tencent"), 7);
    assert_eq!(weighted_len("腾讯视频"), 8);
    assert_eq!(weighted_len("QQ 音乐"), 7);
    assert_eq!(weighted_len("café"), 4);
    assert_eq!(weighted_len("（）"), 4);
}

#[test]
fn nickname_bounds() {
    // 4 and 30 weighted characters are the inclusive bounds.
    check_nickname("abcd").unwrap();
    check_nickname("腾讯").unwrap();
    check_nickname(&"腾".repeat(15)).unwrap();
    check_nickname(&"a".repeat(30)).unwrap();

    let err = check_nickname("abc").unwrap_err();
    assert!(
        matches!(
            err,
            RuleError::Length {
                field: "nick_name",
                len: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let err = check_nickname(&"腾".repeat(16)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("nick_name is 32 characters"), "{msg}");
    assert!(msg.contains("allowed 4 to 30"), "{msg}");
}

#[test]
fn nickname_other_rules() {
    assert!(matches!(check_nickname("   "), Err(RuleError::Empty { .. })));
    assert!(matches!(
        check_nickname("ab\u{0}cd"),
        Err(RuleError::ControlChar { ch: '\0', .. })
    ));
    let err = check_nickname("好玩的小程序").unwrap_err();
    assert!(matches!(err, RuleError::ReservedWord { .. }), "{err:?}");
}

#[test]
fn signature_bounds() {
    check_signature("提供好玩的服务。").unwrap();
    check_signature("abcd").unwrap();
    check_signature(&"好".repeat(120)).unwrap();
    check_signature("第一行\n第二行").unwrap();

    let err = check_signature("好玩").unwrap_err();
    assert!(
        matches!(
            err,
            RuleError::Length {
                field: "signature",
                len: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let err = check_signature(&"好".repeat(121)).unwrap_err().to_string();
    assert!(err.starts_with("signature is 121 characters"), "{err}");
    assert!(matches!(check_signature(""), Err(RuleError::Empty { .. })));
    assert!(matches!(
        check_signature("abc\u{7}d"),
        Err(RuleError::ControlChar { .. })
    ));
}

#[test]
fn media_type_wire_names() {
    for t in MediaType::ALL {
        assert_eq!(t.as_str().parse::<MediaType>().unwrap(), t);
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
    }
    let err = "photo".parse::<MediaType>().unwrap_err().to_string();
    assert!(err.contains("image, voice, video or thumb"), "{err}");
}

#[test]
fn temp_media_limits() {
    check_temp_media(MediaType::Image, PNG).unwrap();
    check_temp_media(MediaType::Image, GIF).unwrap();
    check_temp_media(MediaType::Thumb, JPEG).unwrap();
    check_temp_media(MediaType::Voice, b"#!AMR\n\0\0").unwrap();
    check_temp_media(MediaType::Voice, b"ID3\x04\0\0").unwrap();
    check_temp_media(MediaType::Video, b"\0\0\0\x20ftypisom").unwrap();

    // media/upload lists no BMP for images, and thumbs are JPEG only.
    let err = check_temp_media(MediaType::Image, BMP).unwrap_err().to_string();
    assert!(
        err.contains("BMP (for type=image)") && err.contains("PNG, JPEG, GIF"),
        "{err}"
    );
    assert!(check_temp_media(MediaType::Thumb, PNG).is_err());
    assert!(check_temp_media(MediaType::Video, PNG).is_err());

    // Sizes: image 2 MiB (the safe limit), thumb 64 KiB, video 10 MiB.
    check_temp_media(MediaType::Image, &padded(PNG, 2 * 1024 * 1024)).unwrap();
    assert!(matches!(
        check_temp_media(MediaType::Image, &padded(PNG, 2 * 1024 * 1024 + 1)),
        Err(RuleError::TooLarge { limit: 2097152, .. })
    ));
    let err = check_temp_media(MediaType::Thumb, &padded(JPEG, 64 * 1024 + 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("64 KiB"), "{err}");
    check_temp_media(MediaType::Video, &padded(b"\0\0\0\x20ftypisom", 10 * 1024 * 1024)).unwrap();
    assert!(matches!(
        check_temp_media(MediaType::Voice, b""),
        Err(RuleError::Empty { .. })
    ));
}
