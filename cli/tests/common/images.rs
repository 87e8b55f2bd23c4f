//! Test images: QR codes and finder-pattern grids drawn module by module. Shared by the
//! binary's tests (through `common`) and the `qr` module's unit tests (by path), so the
//! two draw the same pictures.

/// A QR code for `text` as a greyscale image: `scale` pixels per module, 4-module margin.
pub fn qr_image(text: &str, scale: u32) -> image::GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let w = code.width() as u32;
    let colors = code.to_colors();
    let side = (w + 8) * scale;
    image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
        let dark = mx >= 0
            && my >= 0
            && (mx as u32) < w
            && (my as u32) < w
            && colors[(my as u32 * w + mx as u32) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    })
}

/// A grid of `n` × `n` finder patterns (7 × 7 modules, 1 module apart), `scale` pixels per
/// module: what kept `rqrr` busy for minutes before its work was bounded.
pub fn finder_pattern_grid(n: u32, scale: u32) -> image::GrayImage {
    let side = (n * 8 + 8) * scale;
    image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
        let (cx, cy) = (mx % 8, my % 8);
        let inside = mx < n * 8 && my < n * 8 && cx < 7 && cy < 7;
        let ring = cx == 0 || cy == 0 || cx == 6 || cy == 6;
        let core = (2..=4).contains(&cx) && (2..=4).contains(&cy);
        image::Luma([if inside && (ring || core) { 0 } else { 255 }])
    })
}

/// `a` and `b` next to each other on white (two QR codes in one picture).
pub fn side_by_side(a: &image::GrayImage, b: &image::GrayImage) -> image::GrayImage {
    let (w, h) = (a.width() + b.width(), a.height().max(b.height()));
    image::GrayImage::from_fn(w, h, |x, y| match (x < a.width(), y) {
        (true, y) if y < a.height() => *a.get_pixel(x, y),
        (false, y) if y < b.height() => *b.get_pixel(x - a.width(), y),
        _ => image::Luma([255]),
    })
}
