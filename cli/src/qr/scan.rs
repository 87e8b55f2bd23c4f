//! Finding QR codes in PNG/JPEG images with bounded work.
//!
//! `rqrr` tries every plausible triple of finder patterns and copies the whole image for
//! each try, so a small image made of nothing but finder patterns kept it busy for minutes.
//! The search here runs on an image buffer that charges every pixel read and every copy to
//! a [`Budget`]: too many candidate triples, too many pixel reads for the image's size, or
//! too much time, and the search is abandoned with a [`ScanError`]. Before that, the file
//! read is bounded ([`crate::input::MAX_IMAGE_BYTES`]) and so is decoding
//! ([`MAX_IMAGE_SIDE`], [`MAX_DECODE_BYTES`]).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::rc::Rc;
use std::sync::Once;
use std::time::{Duration, Instant};

use image::{GenericImage, GenericImageView, GrayImage, ImageError, ImageFormat, Luma};

use crate::error::CliError;
use crate::input::{self, InputError};

/// Images wider or taller than this are refused before decoding.
pub const MAX_IMAGE_SIDE: u32 = 8192;

/// The most memory the image decoder may allocate (an RGBA 8192×8192 image).
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Images larger than this (in either dimension) are scaled down before searching.
const MAX_SCAN_SIDE: u32 = 2048;

/// The most candidate triples of finder patterns tried in one image (both passes). A real
/// QR code needs one; a screenshot with a few codes and some noise needs a handful.
pub const MAX_CANDIDATES: u32 = 48;

/// Pixel reads (and writes) allowed per pixel of the image searched, both passes and the
/// copies made for candidates included. A real code in a screenshot takes about 15–30;
/// small images take more per pixel, so every search may do at least [`MIN_READS`].
pub const READS_PER_PIXEL: u64 = 400;

/// The reads every search may do, however small the image (decoding one grid reads a few
/// hundred thousand pixels whatever the image's size).
pub const MIN_READS: u64 = 1 << 22;

/// Whatever the counts say, a search is abandoned after this long.
pub const MAX_SCAN_TIME: Duration = Duration::from_secs(10);

/// What scanning an image found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// The text of every QR code that decoded, in the order found.
    pub texts: Vec<String>,
    /// QR-like patterns that were found but could not be decoded.
    pub undecodable: usize,
}

/// Why an image gave no QR code text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// The file is neither PNG nor JPEG.
    NotAnImage,
    /// The file is larger than [`crate::input::MAX_IMAGE_BYTES`].
    FileTooLarge,
    /// The file could not be read (the reason, without any of its content).
    Unreadable(String),
    /// The image is larger than [`MAX_IMAGE_SIDE`] or would take more than
    /// [`MAX_DECODE_BYTES`] to decode.
    ImageTooLarge,
    /// The image is not a valid PNG/JPEG (the decoder's reason).
    BadImage(String),
    /// More than [`MAX_CANDIDATES`] candidate codes: an image crowded with finder patterns.
    TooManyCandidates,
    /// The search used up its pixel reads or its time ([`READS_PER_PIXEL`], [`MAX_SCAN_TIME`]).
    TooMuchWork,
    /// Something QR-like was found, but nothing decoded.
    Undecodable,
    /// No QR code at all.
    NothingFound,
}

impl ScanError {
    /// The one-line message for this refusal of the image `shown` (its file name).
    pub fn message(&self, shown: &str) -> String {
        let crop = "crop the image to the one QR code and try again";
        match self {
            ScanError::NotAnImage => format!("{shown} is not a PNG or JPEG image"),
            ScanError::FileTooLarge => format!(
                "{shown} is too large to scan (more than {} MiB); {crop}",
                input::MAX_IMAGE_BYTES / (1024 * 1024)
            ),
            ScanError::Unreadable(why) => format!("cannot read {shown}: {why}"),
            ScanError::ImageTooLarge => format!(
                "{shown} is too large to scan (more than {MAX_IMAGE_SIDE} pixels on a side or {} MiB decoded); {crop}",
                MAX_DECODE_BYTES / (1024 * 1024)
            ),
            ScanError::BadImage(why) => format!("cannot read the image {shown}: {why}"),
            ScanError::TooManyCandidates => format!(
                "{shown} has too many QR-like patterns to search (more than {MAX_CANDIDATES} candidates); {crop}"
            ),
            ScanError::TooMuchWork => {
                format!("searching {shown} for a QR code took too much work; {crop}")
            }
            ScanError::Undecodable => format!(
                "found a QR code in {shown} but could not decode it; try a sharper or larger image"
            ),
            ScanError::NothingFound => format!("no QR code found in {shown}"),
        }
    }

    /// The CLI error: every refusal is bad input (exit 2).
    pub fn into_cli(self, shown: &str) -> CliError {
        CliError::usage(self.message(shown))
    }
}

/// The work one search may still do. Shared (through `Rc`) by the image and its copies.
#[derive(Debug)]
struct Budget {
    candidates: Cell<u32>,
    reads: Cell<u64>,
    max_reads: u64,
    deadline: Instant,
}

impl Budget {
    fn for_pixels(pixels: u64) -> Rc<Budget> {
        let max_reads = pixels.saturating_mul(READS_PER_PIXEL).max(MIN_READS);
        Budget::new(max_reads, Instant::now() + MAX_SCAN_TIME)
    }

    fn new(max_reads: u64, deadline: Instant) -> Rc<Budget> {
        Rc::new(Budget { candidates: Cell::new(0), reads: Cell::new(0), max_reads, deadline })
    }

    fn charge_reads(&self, n: u64) {
        let before = self.reads.get();
        let after = before.saturating_add(n);
        self.reads.set(after);
        if after > self.max_reads {
            abandon(ScanError::TooMuchWork);
        }
        // Reading the clock on every pixel would double the cost of a search.
        if before >> 16 != after >> 16 && Instant::now() > self.deadline {
            abandon(ScanError::TooMuchWork);
        }
    }

    fn charge_candidate(&self) {
        let n = self.candidates.get() + 1;
        self.candidates.set(n);
        if n > MAX_CANDIDATES {
            abandon(ScanError::TooManyCandidates);
        }
    }
}

/// Leaves the decoder by unwinding (the only way out of a synchronous library call);
/// [`bounded`] catches it. `resume_unwind` does not run the panic hook, so nothing is
/// printed. With `panic = "abort"` this would end the process instead of hanging it.
fn abandon(why: ScanError) -> ! {
    panic::resume_unwind(Box::new(why))
}

thread_local! {
    /// Whether this thread is inside [`bounded`]: its panics are the decoder's, caught.
    static IN_DECODER: Cell<bool> = const { Cell::new(false) };
}

/// Runs `search` and turns an abandoned search into its [`ScanError`]. A panic inside
/// `rqrr` (it asserts on some malformed grids) is caught too, silently, and means the
/// image had no decodable code.
fn bounded<T>(search: impl FnOnce() -> T) -> Result<T, ScanError> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(Cell::get) {
                previous(info);
            }
        }));
    });
    IN_DECODER.with(|d| d.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(search));
    IN_DECODER.with(|d| d.set(false));
    result.map_err(|payload| match payload.downcast::<ScanError>() {
        Ok(why) => *why,
        Err(_) => ScanError::Undecodable,
    })
}

/// A greyscale image whose reads and copies are charged to a [`Budget`]. `rqrr` works on
/// any `image::GenericImage` of `Luma<u8>`, copying it once per candidate code.
struct BoundedLuma {
    width: u32,
    height: u32,
    pixels: Vec<Luma<u8>>,
    budget: Rc<Budget>,
}

impl BoundedLuma {
    fn new(img: &GrayImage, invert: bool, budget: Rc<Budget>) -> BoundedLuma {
        let pixels = img.pixels().map(|p| Luma([if invert { 255 - p.0[0] } else { p.0[0] }]));
        BoundedLuma { width: img.width(), height: img.height(), pixels: pixels.collect(), budget }
    }

    fn index(&self, x: u32, y: u32) -> usize {
        y as usize * self.width as usize + x as usize
    }
}

impl Clone for BoundedLuma {
    fn clone(&self) -> Self {
        self.budget.charge_candidate();
        self.budget.charge_reads(self.pixels.len() as u64);
        BoundedLuma {
            width: self.width,
            height: self.height,
            pixels: self.pixels.clone(),
            budget: Rc::clone(&self.budget),
        }
    }
}

impl GenericImageView for BoundedLuma {
    type Pixel = Luma<u8>;

    fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn get_pixel(&self, x: u32, y: u32) -> Luma<u8> {
        self.budget.charge_reads(1);
        self.pixels[self.index(x, y)]
    }
}

impl GenericImage for BoundedLuma {
    fn get_pixel_mut(&mut self, x: u32, y: u32) -> &mut Luma<u8> {
        self.budget.charge_reads(1);
        let i = self.index(x, y);
        &mut self.pixels[i]
    }

    fn put_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        self.budget.charge_reads(1);
        let i = self.index(x, y);
        self.pixels[i] = pixel;
    }

    fn blend_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        self.put_pixel(x, y, pixel);
    }
}

/// Finds and decodes every QR code in a greyscale image. Tries the inverted image too
/// (light-on-dark screenshots) when nothing is found the normal way. Both passes share one
/// budget; an image that exhausts it is refused, whatever it may have held.
pub fn scan_luma(img: &GrayImage) -> Result<ScanResult, ScanError> {
    let budget = Budget::for_pixels(u64::from(img.width()) * u64::from(img.height()));
    let first = scan_once(img, false, &budget)?;
    if first.texts.is_empty() && first.undecodable == 0 {
        scan_once(img, true, &budget)
    } else {
        Ok(first)
    }
}

fn scan_once(img: &GrayImage, invert: bool, budget: &Rc<Budget>) -> Result<ScanResult, ScanError> {
    let buffer = BoundedLuma::new(img, invert, Rc::clone(budget));
    bounded(move || {
        let mut prepared = rqrr::PreparedImage::prepare(buffer);
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
    })
}

/// Decodes an image (PNG or JPEG, within [`MAX_IMAGE_SIDE`] and [`MAX_DECODE_BYTES`]),
/// scales it down to at most 2048 pixels a side, and scans it.
pub fn scan_image_bytes(bytes: &[u8]) -> Result<ScanResult, ScanError> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg))
        .ok_or(ScanError::NotAnImage)?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => ScanError::ImageTooLarge,
        e => ScanError::BadImage(e.to_string()),
    })?;
    let mut luma = img.to_luma8();
    if luma.width() > MAX_SCAN_SIDE || luma.height() > MAX_SCAN_SIDE {
        let img = image::DynamicImage::ImageLuma8(luma).thumbnail(MAX_SCAN_SIDE, MAX_SCAN_SIDE);
        luma = img.to_luma8();
    }
    let result = scan_luma(&luma)?;
    if result.texts.is_empty() {
        return Err(if result.undecodable > 0 {
            ScanError::Undecodable
        } else {
            ScanError::NothingFound
        });
    }
    Ok(result)
}

/// [`scan_image_bytes`] with errors for the CLI (bad input, exit 2, naming `shown`).
pub fn scan_bytes(bytes: &[u8], shown: &str) -> crate::error::Result<ScanResult> {
    scan_image_bytes(bytes).map_err(|e| e.into_cli(shown))
}

/// Reads (at most [`crate::input::MAX_IMAGE_BYTES`]) and scans an image file.
pub fn scan_file(path: &Path) -> crate::error::Result<ScanResult> {
    let shown = path.display().to_string();
    let bytes = input::read_file(path, input::MAX_IMAGE_BYTES).map_err(|e| match e {
        InputError::TooLong { .. } => ScanError::FileTooLarge.into_cli(&shown),
        InputError::NotUtf8 => ScanError::NotAnImage.into_cli(&shown),
        InputError::Io(e) => ScanError::Unreadable(e.to_string()).into_cli(&shown),
    })?;
    scan_bytes(&bytes, &shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_budget_abandon_the_search() {
        let budget = Budget::new(1000, Instant::now() + MAX_SCAN_TIME);
        assert_eq!(bounded(|| budget.charge_reads(1000)), Ok(()));
        assert_eq!(bounded(|| budget.charge_reads(1)), Err(ScanError::TooMuchWork));
    }

    #[test]
    fn a_search_past_its_deadline_is_abandoned_at_the_next_check() {
        let budget = Budget::new(u64::MAX, Instant::now());
        // The clock is read once every 65,536 reads.
        assert_eq!(bounded(|| budget.charge_reads(65_535)), Ok(()));
        assert_eq!(bounded(|| budget.charge_reads(1)), Err(ScanError::TooMuchWork));
    }

    #[test]
    fn candidates_past_the_bound_abandon_the_search() {
        let budget = Budget::new(u64::MAX, Instant::now() + MAX_SCAN_TIME);
        let img = BoundedLuma::new(&GrayImage::new(4, 4), false, Rc::clone(&budget));
        let copies = bounded(|| (0..MAX_CANDIDATES).map(|_| img.clone()).collect::<Vec<_>>().len());
        assert_eq!(copies, Ok(MAX_CANDIDATES as usize));
        assert_eq!(budget.reads.get(), 16 * u64::from(MAX_CANDIDATES), "copies are charged");
        assert_eq!(bounded(|| img.clone().width).err(), Some(ScanError::TooManyCandidates));
    }

    #[test]
    fn a_panic_inside_the_decoder_is_an_undecodable_image() {
        assert_eq!(bounded(|| -> u8 { panic!("assertion in rqrr") }), Err(ScanError::Undecodable));
        // Outside the decoder, the thread's flag is down again.
        assert!(!IN_DECODER.with(Cell::get));
    }

    #[test]
    fn reads_and_writes_are_charged_and_inversion_applies() {
        let budget = Budget::new(u64::MAX, Instant::now() + MAX_SCAN_TIME);
        let mut img = BoundedLuma::new(&GrayImage::from_pixel(2, 2, Luma([10])), true, budget);
        assert_eq!(img.get_pixel(1, 1), Luma([245]));
        img.put_pixel(1, 1, Luma([1]));
        assert_eq!(img.get_pixel(1, 1), Luma([1]));
        assert_eq!(img.budget.reads.get(), 3);
    }
}
