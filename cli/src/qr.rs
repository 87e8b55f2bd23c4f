//! QR codes: reading them from PNG/JPEG images (pure Rust: `image` + `rqrr`, with bounded
//! work: see [`scan`]) and drawing them in the terminal with Unicode half blocks (`qrcode`).

mod scan;

pub use scan::scan_file;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{CliError, Result};

/// Light modules drawn around the code, as the QR standard asks (4 modules).
pub const QUIET_ZONE: usize = 4;

/// The message for data too long for a QR code (at error correction level M, about 2.3 KB).
pub const TOO_LONG: &str = "too long for a QR code";

/// A QR code as a square grid of modules, quiet zone included (`true` = dark).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modules {
    /// Modules per side.
    pub size: usize,
    /// Row-major, `size * size` entries.
    pub dark: Vec<bool>,
}

impl Modules {
    /// Encodes `data` (error correction level M) with a [`QUIET_ZONE`] border. Data that
    /// does not fit the largest QR code is bad input (exit 2, "too long for a QR code").
    pub fn encode(data: &str) -> Result<Modules> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(
            |e| match e {
                qrcode::types::QrError::DataTooLong => CliError::usage(TOO_LONG),
                e => CliError::failure(format!("cannot make a QR code: {e}")),
            },
        )?;
        let inner = code.width();
        let colors = code.to_colors();
        let size = inner + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for y in 0..inner {
            for x in 0..inner {
                dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] =
                    colors[y * inner + x] == Color::Dark;
            }
        }
        Ok(Modules { size, dark })
    }

    /// Whether the module at (x, y) is dark; outside the grid is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }
}

/// How to draw a QR code in the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermStyle {
    /// Black on bright white with ANSI colours: readable on dark and light themes alike.
    Ansi,
    /// No escape codes; dark modules are drawn with block characters (right on a light
    /// background, and what goes into files and pipes).
    Plain,
    /// No escape codes; light modules are drawn with blocks (for dark backgrounds).
    PlainInverted,
}

/// Draws `data` as a QR code with half-block characters: each text line holds two rows
/// of modules, so the code stays square in a usual terminal font.
pub fn render_terminal(data: &str, style: TermStyle) -> Result<String> {
    Ok(render_modules(&Modules::encode(data)?, style))
}

/// Draws a module grid (see [`render_terminal`]).
pub fn render_modules(m: &Modules, style: TermStyle) -> String {
    let ink = |x: usize, y: usize| match style {
        TermStyle::PlainInverted => !m.is_dark(x, y),
        TermStyle::Ansi | TermStyle::Plain => m.is_dark(x, y),
    };
    let mut out = String::new();
    for y in (0..m.size).step_by(2) {
        if style == TermStyle::Ansi {
            out.push_str("\x1b[30;107m");
        }
        for x in 0..m.size {
            // Past the last row is quiet zone: light, which is ink when inverted.
            let bottom =
                if y + 1 < m.size { ink(x, y + 1) } else { style == TermStyle::PlainInverted };
            out.push(match (ink(x, y), bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if style == TermStyle::Ansi {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    out
}

/// Renders `data` as a PNG, `scale` pixels per module, quiet zone included.
pub fn render_png(data: &str, scale: u32) -> Result<Vec<u8>> {
    let m = Modules::encode(data)?;
    let side = m.size as u32 * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        image::Luma([if m.is_dark((x / scale) as usize, (y / scale) as usize) { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| CliError::failure(format!("cannot encode PNG: {e}")))?;
    Ok(png)
}

/// The test images the binary's tests draw too.
#[cfg(test)]
#[path = "../tests/common/images.rs"]
#[allow(dead_code)]
mod test_images;

#[cfg(test)]
mod tests {
    use super::scan::{scan_bytes, scan_image_bytes, scan_luma, ScanError, MAX_IMAGE_SIDE};
    use super::test_images::finder_pattern_grid;
    use super::*;
    use std::path::Path;

    const URI: &str = "otpauth://totp/Region%20Sk%C3%A5ne:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Region%20Sk%C3%A5ne";

    #[test]
    fn png_round_trips_through_rqrr() {
        let png = render_png(URI, 4).unwrap();
        let found = scan_bytes(&png, "test.png").unwrap();
        assert_eq!(found.texts, vec![URI.to_owned()]);
    }

    #[test]
    fn terminal_rendering_has_quiet_zone_and_half_blocks() {
        let text = render_terminal(URI, TermStyle::Plain).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let m = Modules::encode(URI).unwrap();
        assert_eq!(lines.len(), m.size.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == m.size));
        // The first two text lines are quiet zone only.
        assert!(lines[0].trim().is_empty() && lines[1].trim().is_empty());
        assert!(text.contains('▀') || text.contains('▄'));
    }

    #[test]
    fn inverted_and_ansi_styles() {
        let ansi = render_terminal("x", TermStyle::Ansi).unwrap();
        assert!(ansi.lines().all(|l| l.starts_with("\x1b[30;107m") && l.ends_with("\x1b[0m")));
        let inv = render_terminal("x", TermStyle::PlainInverted).unwrap();
        assert!(inv.lines().next().unwrap().chars().all(|c| c == '█'));
    }

    #[test]
    fn inverted_images_are_scanned() {
        let png = render_png(URI, 3).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let inverted = image::GrayImage::from_fn(img.width(), img.height(), |x, y| {
            image::Luma([255 - img.get_pixel(x, y).0[0]])
        });
        assert_eq!(scan_luma(&inverted).unwrap().texts, vec![URI.to_owned()]);
    }

    #[test]
    fn data_too_long_is_bad_input() {
        let e = render_terminal(&"x".repeat(4000), TermStyle::Plain).unwrap_err();
        assert_eq!((e.exit_code(), e.message().unwrap()), (2, TOO_LONG.to_owned()));
    }

    #[test]
    fn not_an_image() {
        let e = scan_bytes(b"hello", "x.txt").unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn an_image_made_of_finder_patterns_is_refused_quickly() {
        // 12 × 12 finder patterns in a 3.5 KB PNG: unbounded, rqrr tried thousands of
        // triples, copying the image for each. Refused after MAX_CANDIDATES copies.
        let img = finder_pattern_grid(12, 2);
        assert_eq!(scan_luma(&img), Err(ScanError::TooManyCandidates));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let e = scan_bytes(&png, "grid.png").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message().unwrap().starts_with("grid.png has too many QR-like patterns"));
        // A larger grid is refused the same way (the bound does not grow with the image).
        assert_eq!(scan_luma(&finder_pattern_grid(40, 1)), Err(ScanError::TooManyCandidates));
    }

    #[test]
    fn a_few_finder_patterns_are_searched_and_found_undecodable() {
        // Below the bounds the search runs to its end: 4 × 4 patterns are tried, not refused.
        let result = scan_luma(&finder_pattern_grid(4, 2)).unwrap();
        assert!(result.texts.is_empty() && result.undecodable > 0, "{result:?}");
    }

    /// A PNG whose header says `width` × `height` (8-bit RGBA) with no pixel data: what a
    /// decompression bomb looks like to the decoder before it allocates.
    fn png_header_only(width: u32, height: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
                }
            }
            !crc
        }
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(b"IEND");
        png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
        png
    }

    #[test]
    fn images_too_large_to_decode_are_refused_before_decoding() {
        // 20000 × 20000 RGBA would take 1.6 GB.
        for (w, h) in [(20_000, 20_000), (MAX_IMAGE_SIDE + 1, 1), (1, MAX_IMAGE_SIDE + 1)] {
            assert_eq!(
                scan_image_bytes(&png_header_only(w, h)),
                Err(ScanError::ImageTooLarge),
                "{w} x {h}"
            );
        }
        // Within the bounds, the same header is read and fails on its missing data instead.
        assert!(matches!(scan_image_bytes(&png_header_only(64, 64)), Err(ScanError::BadImage(_))));
    }

    #[test]
    fn files_larger_than_the_bound_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.png");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(crate::input::MAX_IMAGE_BYTES + 1).unwrap();
        let e = scan_file(&path).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message().unwrap().contains("is too large to scan (more than 32 MiB)"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_zero_is_refused_after_the_bound() {
        let e = scan_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(e.message().unwrap(), "/dev/zero is too large to scan (more than 32 MiB); crop the image to the one QR code and try again");
    }
}
