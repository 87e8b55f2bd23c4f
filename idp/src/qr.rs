//! QR codes as PNG images (the admin CLI's `user enroll --qr FILE.png` and `user
//! replace-phone --qr FILE.png`, for a helpdesk to hand to a user who has no other way in),
//! written to files only their owner can read.

use std::path::Path;

use crate::error::Error;

/// Pixels per QR module.
const SCALE: usize = 8;
/// Light modules around the code (the standard's quiet zone).
const QUIET: usize = 4;

/// `data` as a black-on-white QR code in an 8-bit grayscale PNG (8 px per module, a quiet zone
/// of 4 modules). Data too long for a QR code is a [`Error::BadRequest`].
pub fn qr_png(data: &str) -> Result<Vec<u8>, Error> {
    let code = qrcode::QrCode::new(data.as_bytes())
        .map_err(|_| Error::bad_request("too long for a QR code"))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| Error::Internal)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|_| Error::Internal)?;
    writer.write_image_data(&pixels).map_err(|_| Error::Internal)?;
    writer.finish().map_err(|_| Error::Internal)?;
    Ok(out)
}

/// Writes `data` as a QR code PNG ([`qr_png`]) to `path`, a file only its owner can read and
/// write (an enrollment code's QR holds its single-use activation code). A file that cannot be
/// written is a [`Error::BadRequest`] naming it.
pub fn write_qr_png(path: &Path, data: &str) -> Result<(), Error> {
    use std::io::Write;
    let bytes = qr_png(data)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(path).and_then(|mut f| f.write_all(&bytes));
    written.map_err(|e| Error::BadRequest(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_holds_the_code_with_a_quiet_zone() {
        let data = "nyckel-enroll://enroll?v=1&url=https%3A%2F%2Fidp.example.se";
        let bytes = qr_png(data).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let modules = qrcode::QrCode::new(data.as_bytes()).unwrap().width();
        assert_eq!(info.width as usize, (modules + 8) * SCALE);
        assert_eq!(info.width, info.height);
        let side = info.width as usize;
        // The quiet zone is white; the top-left finder pattern's corner module is black.
        assert!(buf[..QUIET * SCALE * side].iter().all(|&p| p == 255));
        assert_eq!(buf[QUIET * SCALE * side + QUIET * SCALE], 0);
    }

    #[test]
    fn data_too_long_for_a_qr_code_is_refused() {
        assert!(matches!(qr_png(&"x".repeat(8000)), Err(Error::BadRequest(_))));
    }
}
