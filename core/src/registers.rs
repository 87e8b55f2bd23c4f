//! Best-effort wiping of the vector registers after AES-GCM and HMAC.
//!
//! ring's AES-GCM (AES-NI/VAES and PCLMULQDQ on x86_64, the ARMv8 crypto extensions on
//! aarch64) works in the vector registers and returns with round keys and GHASH state still
//! in them: measured on x86_64 after one seal, `xmm9` held round key 0 — the first half of
//! the vault key — and `xmm10` round key 14. The SHA-1/SHA-256 compression functions that
//! compute codes (SHA extensions on x86_64 and aarch64) keep the incoming state in vector
//! registers to add it at the end, and for a code that state is the account's precomputed
//! HMAC state, as good as its secret. Registers reach memory when the kernel saves them: in
//! a signal frame on the thread's own stack, and in a core dump (which the CLI turns off).
//! [`wipe_vector_registers`] zeroes every vector register the calling convention lets a
//! function leave behind, right after each seal and open and each HMAC preparation and code.
//! The tests below measure the seal and open and the SHA-1 preparation (without the wipe,
//! the states are there); after a code, SHA-1 leaves its digest rather than the state it
//! started from on the machine measured, and the wipe there is for implementations that
//! keep it (SHA-256 and SHA-512 go through the same calls, unmeasured).
//!
//! What it does not do: the general-purpose registers are not touched (the compiler owns
//! them and reuses them at once); plaintext that ordinary code copies
//! later (`memcpy` uses vector registers) passes through them again, so this wipes the
//! primitives' key material, not every secret that ever sat in a register; on aarch64 the
//! lower halves of v8–v15 are the caller's to keep (AAPCS64), so a primitive cannot leave
//! anything there; and a context switch in the middle of a computation saves its registers
//! in kernel memory, which no user process reads. Other architectures: nothing (no phone
//! runs them).

/// Zeroes the vector registers a function may leave behind: x86_64 `xmm0`–`xmm15` (all
/// of `ymm0`–`ymm15`, and `zmm0`–`zmm31` where AVX-512 exists), aarch64 `v0`–`v31`.
/// A few cycles.
#[inline(never)]
pub fn wipe_vector_registers() {
    #[cfg(target_arch = "x86_64")]
    x86_64::wipe();
    #[cfg(target_arch = "aarch64")]
    aarch64::wipe();
}

#[cfg(target_arch = "x86_64")]
mod x86_64 {
    use std::arch::asm;

    pub(super) fn wipe() {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: AVX-512F and VL are present (checked just above).
            unsafe { wipe_avx512() }
        } else if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: AVX is present (checked just above).
            unsafe { wipe_avx() }
        } else {
            wipe_sse()
        }
    }

    /// SSE2 is part of x86_64: `xmm0`–`xmm15`.
    fn wipe_sse() {
        // SAFETY: only zeroes registers, all declared clobbered (`clobber_abi("C")`: every
        // vector register is caller-saved in the System V ABI).
        unsafe {
            asm!(
                "xorps xmm0, xmm0",
                "xorps xmm1, xmm1",
                "xorps xmm2, xmm2",
                "xorps xmm3, xmm3",
                "xorps xmm4, xmm4",
                "xorps xmm5, xmm5",
                "xorps xmm6, xmm6",
                "xorps xmm7, xmm7",
                "xorps xmm8, xmm8",
                "xorps xmm9, xmm9",
                "xorps xmm10, xmm10",
                "xorps xmm11, xmm11",
                "xorps xmm12, xmm12",
                "xorps xmm13, xmm13",
                "xorps xmm14, xmm14",
                "xorps xmm15, xmm15",
                clobber_abi("C"),
                options(nostack, nomem, preserves_flags),
            )
        }
    }

    /// `vzeroall`: all of `ymm0`–`ymm15` (their full width, on AVX-512 machines too).
    #[target_feature(enable = "avx")]
    unsafe fn wipe_avx() {
        // SAFETY: as `wipe_sse`; AVX is enabled for this function.
        unsafe { asm!("vzeroall", clobber_abi("C"), options(nostack, nomem, preserves_flags)) }
    }

    /// `vzeroall` and `zmm16`–`zmm31`, which exist only with AVX-512. They are zeroed
    /// through their 128-bit halves (`xmm16`–`xmm31`, AVX-512VL): an EVEX write zeroes the
    /// rest of the register, and no 512-bit instruction runs (some Intel cores lower their
    /// clock for a while after one).
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn wipe_avx512() {
        // SAFETY: as `wipe_sse`; AVX-512F and VL are enabled for this function.
        unsafe {
            asm!(
                "vzeroall",
                "vpxord xmm16, xmm16, xmm16",
                "vpxord xmm17, xmm17, xmm17",
                "vpxord xmm18, xmm18, xmm18",
                "vpxord xmm19, xmm19, xmm19",
                "vpxord xmm20, xmm20, xmm20",
                "vpxord xmm21, xmm21, xmm21",
                "vpxord xmm22, xmm22, xmm22",
                "vpxord xmm23, xmm23, xmm23",
                "vpxord xmm24, xmm24, xmm24",
                "vpxord xmm25, xmm25, xmm25",
                "vpxord xmm26, xmm26, xmm26",
                "vpxord xmm27, xmm27, xmm27",
                "vpxord xmm28, xmm28, xmm28",
                "vpxord xmm29, xmm29, xmm29",
                "vpxord xmm30, xmm30, xmm30",
                "vpxord xmm31, xmm31, xmm31",
                clobber_abi("C"),
                options(nostack, nomem, preserves_flags),
            )
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod aarch64 {
    use std::arch::asm;

    /// `v0`–`v31` (NEON is part of AArch64). The compiler keeps the callee-saved lower
    /// halves of v8–v15 for this function's caller, as the ABI requires.
    pub(super) fn wipe() {
        // SAFETY: only zeroes registers, all declared clobbered (`clobber_abi("C")` plus
        // v8–v15, whose lower halves the compiler then saves and restores).
        unsafe {
            asm!(
                "movi v0.16b, #0",
                "movi v1.16b, #0",
                "movi v2.16b, #0",
                "movi v3.16b, #0",
                "movi v4.16b, #0",
                "movi v5.16b, #0",
                "movi v6.16b, #0",
                "movi v7.16b, #0",
                "movi v8.16b, #0",
                "movi v9.16b, #0",
                "movi v10.16b, #0",
                "movi v11.16b, #0",
                "movi v12.16b, #0",
                "movi v13.16b, #0",
                "movi v14.16b, #0",
                "movi v15.16b, #0",
                "movi v16.16b, #0",
                "movi v17.16b, #0",
                "movi v18.16b, #0",
                "movi v19.16b, #0",
                "movi v20.16b, #0",
                "movi v21.16b, #0",
                "movi v22.16b, #0",
                "movi v23.16b, #0",
                "movi v24.16b, #0",
                "movi v25.16b, #0",
                "movi v26.16b, #0",
                "movi v27.16b, #0",
                "movi v28.16b, #0",
                "movi v29.16b, #0",
                "movi v30.16b, #0",
                "movi v31.16b, #0",
                clobber_abi("C"),
                options(nostack, nomem, preserves_flags),
            )
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};

    use crate::random::SystemRandom;
    use crate::vault::crypto::VaultKey;

    /// `xmm0`–`xmm15` as they are when this is called.
    #[inline(never)]
    fn xmm_registers() -> [[u8; 16]; 16] {
        let mut out = [[0u8; 16]; 16];
        // SAFETY: stores 256 bytes into `out`, which has exactly that many.
        unsafe {
            std::arch::asm!(
                "movdqu [{p}], xmm0", "movdqu [{p}+16], xmm1", "movdqu [{p}+32], xmm2",
                "movdqu [{p}+48], xmm3", "movdqu [{p}+64], xmm4", "movdqu [{p}+80], xmm5",
                "movdqu [{p}+96], xmm6", "movdqu [{p}+112], xmm7", "movdqu [{p}+128], xmm8",
                "movdqu [{p}+144], xmm9", "movdqu [{p}+160], xmm10", "movdqu [{p}+176], xmm11",
                "movdqu [{p}+192], xmm12", "movdqu [{p}+208], xmm13",
                "movdqu [{p}+224], xmm14", "movdqu [{p}+240], xmm15",
                p = in(reg) out.as_mut_ptr(),
                options(nostack, preserves_flags),
            )
        }
        out
    }

    /// The AES-256 key schedule (FIPS 197 §5.2): 15 round keys, the first two the key.
    fn round_keys(key: &[u8; 32]) -> Vec<[u8; 16]> {
        let sbox = sbox();
        let mut w: Vec<[u8; 4]> = key.chunks(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
        let mut rcon = 1u8;
        for i in 8..60 {
            let mut t = w[i - 1];
            if i % 8 == 0 {
                t = [
                    sbox[t[1] as usize] ^ rcon,
                    sbox[t[2] as usize],
                    sbox[t[3] as usize],
                    sbox[t[0] as usize],
                ];
                rcon = (rcon << 1) ^ if rcon & 0x80 != 0 { 0x1b } else { 0 };
            } else if i % 8 == 4 {
                t = t.map(|b| sbox[b as usize]);
            }
            let p = w[i - 8];
            w.push([p[0] ^ t[0], p[1] ^ t[1], p[2] ^ t[2], p[3] ^ t[3]]);
        }
        w.chunks(4).map(|r| std::array::from_fn(|j| r[j / 4][j % 4])).collect()
    }

    /// The AES S-box, generated (multiplicative inverse in GF(2^8), then the affine map).
    fn sbox() -> [u8; 256] {
        let mut s = [0x63u8; 256];
        let (mut p, mut q) = (1u8, 1u8);
        loop {
            p ^= (p << 1) ^ if p & 0x80 != 0 { 0x1b } else { 0 };
            q ^= q << 1;
            q ^= q << 2;
            q ^= q << 4;
            if q & 0x80 != 0 {
                q ^= 0x09;
            }
            s[p as usize] = q
                ^ q.rotate_left(1)
                ^ q.rotate_left(2)
                ^ q.rotate_left(3)
                ^ q.rotate_left(4)
                ^ 0x63;
            if p == 1 {
                return s;
            }
        }
    }

    fn leaked(key: &[u8; 32], registers: &[[u8; 16]; 16]) -> Vec<usize> {
        let schedule = round_keys(key);
        (0..16).filter(|&i| schedule.contains(&registers[i])).collect()
    }

    /// ring alone, as the vault used it before the wipe.
    #[inline(never)]
    fn ring_seal(key: &[u8; 32]) {
        let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).unwrap());
        let mut data = vec![0x42u8; 100];
        let nonce = Nonce::assume_unique_for_key([1; 12]);
        k.seal_in_place_append_tag(nonce, Aad::from(b"ad"), &mut data).unwrap();
    }

    /// The words of the SHA-1 HMAC states of `secret` (inner, then outer): what a
    /// `PreparedSecret` holds, as good as the secret.
    #[inline(never)]
    fn hmac_sha1_states(secret: &[u8; 20]) -> [[u32; 5]; 2] {
        [0x36u8, 0x5c].map(|pad| {
            let mut block = [pad; 64];
            block.iter_mut().zip(secret).for_each(|(b, k)| *b ^= k);
            let mut state = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
            sha1::compress(&mut state, &[block.into()]);
            state
        })
    }

    /// The registers holding a word of the states (at any word position, as stored or
    /// byte-swapped).
    fn holding_state(states: &[[u32; 5]; 2], registers: &[[u8; 16]; 16]) -> Vec<usize> {
        let words: Vec<u32> = states.iter().flatten().flat_map(|w| [*w, w.swap_bytes()]).collect();
        (0..16)
            .filter(|&i| {
                registers[i]
                    .chunks(4)
                    .any(|c| words.contains(&u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            })
            .collect()
    }

    #[test]
    fn no_hmac_state_is_left_in_a_vector_register_after_a_code() {
        use crate::codes::PreparedSecret;
        use crate::Algorithm;
        let secret: [u8; 20] = std::array::from_fn(|i| (i as u8).wrapping_mul(73).wrapping_add(5));
        // What there is to wipe: computed as `PreparedSecret::new` did before the wipe, with
        // the SHA extensions the states are left in the vector registers (measured).
        let states = hmac_sha1_states(&secret);
        let before = xmm_registers();
        if std::arch::is_x86_feature_detected!("sha") {
            assert!(
                !holding_state(&states, &before).is_empty(),
                "SHA-1 no longer leaves its state in xmm0-15: the wipe is not measured here"
            );
        }
        let prepared = PreparedSecret::new(&secret, Algorithm::Sha1);
        let after_prepare = xmm_registers();
        assert_eq!(holding_state(&states, &after_prepare), Vec::<usize>::new(), "after prepare");
        let value = prepared.truncated(1);
        let after_code = xmm_registers();
        assert_eq!(holding_state(&states, &after_code), Vec::<usize>::new(), "after a code");
        assert_eq!(value, crate::codes::truncated_hmac(&secret, 1, Algorithm::Sha1));
    }

    #[test]
    fn no_round_key_is_left_in_a_vector_register_after_seal_or_open() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
        assert_eq!(
            round_keys(&bytes)[14][..4],
            [0x0e, 0x7c, 0xbe, 0xe4],
            "the schedule is AES-256's"
        );
        // What there is to wipe: with AES-NI, ring leaves round keys behind (measured).
        ring_seal(&bytes);
        let before = xmm_registers();
        if std::arch::is_x86_feature_detected!("aes") {
            assert!(
                !leaked(&bytes, &before).is_empty(),
                "ring no longer leaves round keys in xmm0-15: the wipe is not measured here"
            );
        }
        let key = VaultKey::from_bytes(&bytes).unwrap();
        let sealed = key.seal(&SystemRandom, b"ad", b"a record").unwrap();
        let after_seal = xmm_registers();
        assert_eq!(leaked(&bytes, &after_seal), Vec::<usize>::new(), "after seal");
        assert_eq!(&key.open(b"ad", &sealed).unwrap()[..], b"a record");
        let after_open = xmm_registers();
        assert_eq!(leaked(&bytes, &after_open), Vec::<usize>::new(), "after open");
    }
}
