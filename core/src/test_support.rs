//! Test support shared with the crates built on the core (feature `test-support`, enabled
//! only by their dev-dependencies; never in the apps or the CLI). Not part of the API.

/// How many copies of `needle` the process's writable memory holds (Linux): see
/// [`copies_in_memory_of_each`].
#[cfg(target_os = "linux")]
pub fn copies_in_memory(needle: &[u8]) -> usize {
    copies_in_memory_of_each(&[needle])[0]
}

/// How many copies of each needle the process's writable memory holds (Linux), in one pass
/// through /proc/self/mem, in chunks that are wiped after use so the scan adds no copies of
/// its own. Each needle's own buffer counts as one copy.
#[cfg(target_os = "linux")]
pub fn copies_in_memory_of_each(needles: &[&[u8]]) -> Vec<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(1).max(1);
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut mem = std::fs::File::open("/proc/self/mem").unwrap();
    let mut chunk = zeroize::Zeroizing::new(vec![0u8; 1 << 20]);
    let chunk_start = chunk.as_ptr() as u64;
    let chunk_end = chunk_start + chunk.len() as u64;
    let mut hits = vec![0; needles.len()];
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (range, perms) = (fields.next().unwrap(), fields.next().unwrap());
        if !perms.starts_with("rw") || line.contains("[vvar") || line.contains("[vsyscall") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let (mut at, end) =
            (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        while at < end {
            // Never read the chunk into itself: the copy would repeat what it read before.
            if (chunk_start..chunk_end).contains(&at) {
                at = chunk_end;
                continue;
            }
            let end = if (at..end).contains(&chunk_start) { chunk_start } else { end };
            let len = ((end - at) as usize).min(chunk.len());
            let buf = &mut chunk[..len];
            if mem.seek(SeekFrom::Start(at)).is_err() || mem.read_exact(buf).is_err() {
                break;
            }
            // Overlapping chunks would count a copy twice unless each match is counted only
            // where it starts before the overlap that the next chunk reads again.
            let fresh = if at + len as u64 >= end { len } else { len - (longest - 1) };
            for (needle, count) in needles.iter().zip(hits.iter_mut()) {
                let starts = &buf[..(fresh + needle.len() - 1).min(len)];
                *count += starts.windows(needle.len()).filter(|w| w == needle).count();
            }
            buf.fill(0);
            // Overlap chunks so a copy across a boundary is still seen.
            at += (len as u64).saturating_sub(longest as u64 - 1).max(1);
        }
    }
    hits
}
