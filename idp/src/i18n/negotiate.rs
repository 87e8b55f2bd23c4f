//! `Accept-Language` (RFC 9110 §12.5.4) read for the two languages the pages have.

use super::Lang;

/// Longest header read; a longer one is ignored (the default language), not truncated.
const MAX_HEADER: usize = 1024;
/// Most language ranges read from one header.
const MAX_RANGES: usize = 32;

/// One parsed range: `Some(primary subtag)` or `None` for `*`, with its weight (0–1000).
struct Range<'a> {
    primary: Option<&'a str>,
    weight: u16,
}

/// The supported language the header prefers, or `None` when it names none acceptably (or is
/// malformed as a whole: too long, too many ranges).
pub(super) fn best(header: &str) -> Option<Lang> {
    if header.len() > MAX_HEADER {
        return None;
    }
    let ranges: Vec<Range<'_>> =
        header.split(',').map(str::trim).filter(|r| !r.is_empty()).filter_map(range).collect();
    if ranges.len() > MAX_RANGES {
        return None;
    }
    let mut best: Option<(Lang, u16)> = None;
    for lang in Lang::ALL {
        let weight = weight_of(lang, &ranges);
        // The first (the default) wins a tie.
        if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((lang, weight));
        }
    }
    best.map(|(lang, _)| lang)
}

/// `lang`'s weight: the highest of the ranges naming its primary subtag, else that of `*`,
/// else 0 (not acceptable).
fn weight_of(lang: Lang, ranges: &[Range<'_>]) -> u16 {
    let named = ranges
        .iter()
        .filter(|r| r.primary.is_some_and(|p| p.eq_ignore_ascii_case(lang.code())))
        .map(|r| r.weight)
        .max();
    named
        .or_else(|| ranges.iter().filter(|r| r.primary.is_none()).map(|r| r.weight).max())
        .unwrap_or(0)
}

/// One `language-range [; q=qvalue]`; `None` if malformed (that range is ignored).
fn range(item: &str) -> Option<Range<'_>> {
    let mut parts = item.split(';');
    let tag = parts.next()?.trim();
    let primary = if tag == "*" {
        None
    } else {
        let mut subtags = tag.split('-');
        let first = subtags.next()?;
        let alpha =
            |s: &str, f: fn(&u8) -> bool| !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| f(&b));
        if !alpha(first, u8::is_ascii_alphabetic)
            || !subtags.all(|s| alpha(s, u8::is_ascii_alphanumeric))
        {
            return None;
        }
        Some(first)
    };
    let mut weight = 1000;
    for param in parts {
        let (name, value) = param.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("q") {
            return None;
        }
        weight = qvalue(value.trim())?;
    }
    Some(Range { primary, weight })
}

/// A qvalue (`0`, `0.5`, `1.000`) in thousandths; `None` if malformed or above 1.
fn qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::qvalue;

    #[test]
    fn qvalues_in_thousandths() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.005"), Some(5));
        assert_eq!(qvalue("0"), Some(0));
        for bad in ["", ".5", "1.5", "2", "0.5000", "-0", "0,5", "0.x", "1.001"] {
            assert_eq!(qvalue(bad), None, "{bad}");
        }
    }
}
