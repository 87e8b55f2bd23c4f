//! QR codes: reading them from PNG/JPEG images (pure Rust: `image` + `rqrr`) and drawing
//! them in the terminal with Unicode half blocks (`qrcode`).

use std::path::Path;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{CliError, Result};

/// Light modules drawn around the code, as the QR standard asks (4 modules).
pub const QUIET_ZONE: usize = 4;

/// Images larger than this (in either dimension) are scaled down before searching.
const MAX_SCAN_SIDE: u32 = 2048;

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

/// What scanning an image found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// The text of every QR code that decoded, in the order found.
    pub texts: Vec<String>,
    /// QR-like patterns that were found but could not be decoded.
    pub undecodable: usize,
}

/// Finds and decodes every QR code in a greyscale image. Tries the inverted image too
/// (light-on-dark screenshots) when nothing is found the normal way.
pub fn scan_luma(img: &image::GrayImage) -> ScanResult {
    let first = scan_once(img, false);
    if first.texts.is_empty() && first.undecodable == 0 {
        scan_once(img, true)
    } else {
        first
    }
}

fn scan_once(img: &image::GrayImage, invert: bool) -> ScanResult {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let v = img.get_pixel(x as u32, y as u32).0[0];
        if invert {
            255 - v
        } else {
            v
        }
    });
    let mut result = ScanResult::default();
    for grid in prepared.detect_grids() {
        match grid.decode() {
            Ok((_, text)) => {
                if !result.texts.contains(&text) {
                    result.texts.push(text);
                }
            }
            Err(_) => result.undecodable += 1,
        }
    }
    result
}

/// Decodes an image file's bytes (PNG or JPEG) and scans it. Errors are bad input (exit 2)
/// and name `shown` (the file name).
pub fn scan_bytes(bytes: &[u8], shown: &str) -> Result<ScanResult> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, image::ImageFormat::Png | image::ImageFormat::Jpeg));
    let Some(format) = format else {
        return Err(CliError::usage(format!("{shown} is not a PNG or JPEG image")));
    };
    let img = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| CliError::usage(format!("cannot read the image {shown}: {e}")))?;
    let mut luma = img.to_luma8();
    if luma.width() > MAX_SCAN_SIDE || luma.height() > MAX_SCAN_SIDE {
        let img = image::DynamicImage::ImageLuma8(luma).thumbnail(MAX_SCAN_SIDE, MAX_SCAN_SIDE);
        luma = img.to_luma8();
    }
    let result = scan_luma(&luma);
    if result.texts.is_empty() {
        return Err(CliError::usage(if result.undecodable > 0 {
            format!(
                "found a QR code in {shown} but could not decode it; try a sharper or larger image"
            )
        } else {
            format!("no QR code found in {shown}")
        }));
    }
    Ok(result)
}

/// Reads and scans an image file.
pub fn scan_file(path: &Path) -> Result<ScanResult> {
    let shown = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {shown}: {e}")))?;
    scan_bytes(&bytes, &shown)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(scan_luma(&inverted).texts, vec![URI.to_owned()]);
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
}
