//! The QR code of a user's link, as SVG (for pages: sharp at any size) and PNG (to send on), made
//! with the `qrcode` crate (error correction M) and, for PNG, the `png` crate.

use qrcode::{Color, EcLevel, QrCode};

/// Why a link has no QR code.
#[derive(Debug, thiserror::Error)]
#[error("cannot make a QR code of this link: {0}")]
pub struct QrError(String);

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| QrError(e.to_string()))
}

/// The SVG document of `text`'s QR code (`size` px at least, quiet zone included).
pub fn svg(text: &str, size: u32) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The PNG of `text`'s QR code: `scale` px a module, a 4-module quiet zone, 8-bit grey.
pub fn png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let modules = u32::try_from(code.width()).map_err(|e| QrError(e.to_string()))?;
    let colors = code.to_colors();
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let i = u32::try_from(i).map_err(|e| QrError(e.to_string()))?;
        let (mx, my) = (i % modules + quiet, i / modules + quiet);
        for y in my * scale..(my + 1) * scale {
            let row = (y * side) as usize;
            pixels[row + (mx * scale) as usize..row + ((mx + 1) * scale) as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| QrError(e.to_string()))?;
        writer.write_image_data(&pixels).map_err(|e| QrError(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_of_a_link() {
        let url = "https://mp.weixin.qq.com/wxawap/fastregister?action=show&create_token=abc#wechat_redirect";
        let s = svg(url, 256).unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"), "{}", &s[..80]);
        let p = png(url, 4).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(p));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert!(info.width >= 4 * 29, "{}", info.width);
    }
}
