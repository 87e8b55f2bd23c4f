use super::*;
use crate::random::NoRandomness;

struct Fixed(u8);

impl Random for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), NoRandomness> {
        dest.fill(self.0);
        Ok(())
    }
}

struct Starved;

impl Random for Starved {
    fn fill(&self, _: &mut [u8]) -> Result<(), NoRandomness> {
        Err(NoRandomness)
    }
}

#[test]
fn a_code_reads_back_from_its_text_in_any_case_and_spacing() {
    let code = RecoveryCode::generate(&Fixed(0)).unwrap();
    // All-zero data: every data character 'A'; each check is (11·group + 1) mod 32.
    assert_eq!(code.text().as_str(), "AAAAB-AAAAM-AAAAX-AAAAC-AAAAN-AAAAY");
    let code = RecoveryCode::generate(&crate::random::SystemRandom).unwrap();
    let text = code.text();
    assert_eq!(text.len(), LEN + GROUPS - 1);
    assert_eq!(RecoveryCode::parse(&text).unwrap(), code);
    assert_eq!(RecoveryCode::parse(&text.to_lowercase()).unwrap(), code);
    assert_eq!(RecoveryCode::parse(&text.replace('-', " ")).unwrap(), code);
    assert_eq!(RecoveryCode::parse(&text.replace('-', "")).unwrap(), code);
    // Look-alikes typed for letters are read as the letters.
    let typed = text.replace('O', "0").replace('I', "1").replace('B', "8");
    assert_eq!(RecoveryCode::parse(&typed).unwrap(), code);
}

#[test]
fn every_single_mistyped_character_is_caught_and_its_group_named() {
    let code = RecoveryCode::generate(&crate::random::SystemRandom).unwrap();
    let chars: Vec<u8> = code.chars.bytes().collect();
    for (i, &c) in chars.iter().enumerate() {
        for &other in ALPHABET.iter().filter(|&&a| a != c) {
            let mut typo = chars.clone();
            typo[i] = other;
            let typed = String::from_utf8(typo).unwrap();
            let group = (i / GROUP_LEN) as u8 + 1;
            assert_eq!(
                RecoveryCode::parse(&typed),
                Err(RecoveryCodeError::Mistyped { group }),
                "{i}"
            );
        }
    }
}

#[test]
fn swapped_groups_and_other_text_are_refused_and_nothing_is_echoed() {
    let code = RecoveryCode::generate(&Fixed(0x5a)).unwrap();
    let text = code.text();
    let mut groups: Vec<&str> = text.split('-').collect();
    groups.swap(0, 1);
    assert!(matches!(
        RecoveryCode::parse(&groups.join("-")),
        Err(RecoveryCodeError::Mistyped { group: 1 })
    ));
    assert_eq!(RecoveryCode::parse("ABCDE"), Err(RecoveryCodeError::Length { found: 5 }));
    assert_eq!(RecoveryCode::parse(""), Err(RecoveryCodeError::Length { found: 0 }));
    let bad = format!("{}Ä", &text.replace('-', "")[..LEN - 1]);
    assert_eq!(RecoveryCode::parse(&bad), Err(RecoveryCodeError::Character));
    assert!(matches!(RecoveryCode::generate(&Starved), Err(RecoveryCodeError::Random)));
    let shown = format!("{code:?} {}", RecoveryCodeError::Mistyped { group: 2 });
    assert!(!shown.contains(&text[..5]), "{shown}");
    assert_eq!(RecoveryCodeError::Mistyped { group: 2 }.kind(), ErrorKind::InvalidInput);
    assert!(RecoveryCodeError::Length { found: 3 }.by_user());
    assert_eq!(RecoveryCodeError::Random.kind(), ErrorKind::Internal);
}
