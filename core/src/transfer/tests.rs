use super::*;
use crate::random::{NoRandomness, Random};

/// Gives the same byte over and over.
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
fn a_key_reads_back_from_its_text_and_from_its_qr_code_and_typed_code() {
    // 0x00 bytes: all-'A' base32; u32 0 → code 000000.
    let key = TransferKey::generate(&Fixed(0)).unwrap();
    assert_eq!(key.text().as_str(), "AAAAA-AAAAA-AAAAA-AAAAA-000000");
    assert_eq!(key.qr_payload().as_str(), "nyckel-transfer://v1?key=AAAAAAAAAAAAAAAAAAAA");
    assert_eq!(key.code(), "000000");
    // 0x01 bytes: the code is 0x01010101 = 16843009 mod 10^6.
    let key = TransferKey::generate(&Fixed(1)).unwrap();
    assert_eq!(key.code(), "843009");
    assert_eq!(TransferKey::parse(&key.text()).unwrap(), key);
    assert_eq!(TransferKey::parse(&key.text().to_lowercase()).unwrap(), key);
    assert_eq!(TransferKey::parse(&key.text().replace('-', " ")).unwrap(), key);
    assert_eq!(TransferKey::from_scan(&key.qr_payload(), key.code()).unwrap(), key);
    assert_eq!(
        TransferKey::from_scan(&format!(" {} ", key.qr_payload().as_str()), "843 009").unwrap(),
        key
    );
    assert_eq!(key.password().len(), 26);
    assert!(TransferKey::is_qr_payload(&key.qr_payload()));
    for not_one in [
        "nyckel-transfer://v1?key=",
        "nyckel-transfer://v1?key=AAAAAAAAAAAAAAAAAAA",
        "nyckel-transfer://v2?key=AAAAAAAAAAAAAAAAAAAA",
        "nyckel-enroll://v1?x=1",
        "otpauth://totp/x?secret=AAAA",
    ] {
        assert!(!TransferKey::is_qr_payload(not_one), "{not_one}");
    }
}

#[test]
fn typed_look_alikes_are_read_as_the_letters_they_stand_for() {
    let typed = TransferKey::parse("0I8AA-AAAAA-AAAAA-AAAAA-123456").unwrap();
    assert_eq!(typed.text().as_str(), "OIBAA-AAAAA-AAAAA-AAAAA-123456");
}

#[test]
fn anything_else_is_not_a_key_and_debug_shows_nothing() {
    for bad in [
        "",
        "AAAAA-AAAAA-AAAAA-AAAAA-12345",
        "AAAAA-AAAAA-AAAAA-AAAAA-1234567",
        "AAAAA-AAAAA-AAAAA-AAAA9-123456",
        "AAAAA-AAAAA-AAAAA-AAAAA-12345A",
        "ÅAAAA-AAAAA-AAAAA-AAAAA-123456",
    ] {
        assert!(matches!(TransferKey::parse(bad), Err(TransferError::InvalidKey)), "{bad}");
    }
    assert!(matches!(
        TransferKey::from_scan("otpauth://totp/x?secret=AAAA", "123456"),
        Err(TransferError::InvalidKey)
    ));
    let key = TransferKey::generate(&Fixed(1)).unwrap();
    let shown = format!("{key:?}");
    assert!(!shown.contains("AAAA") && !shown.contains(key.code()), "{shown}");
    assert!(matches!(TransferKey::generate(&Starved), Err(TransferError::Random)));
}

#[test]
fn a_package_opens_only_with_its_key_and_a_backup_is_no_package() {
    let key = TransferKey::generate(&Fixed(1)).unwrap();
    let enrollment = crate::export::backup::TransferEnrollment {
        uri: "nyckel-enroll://v1?url=x".into(),
        phone_signin: true,
    };
    let sealed = package::seal(&[], vec![enrollment], &key, &Fixed(7)).unwrap();
    let (accounts, moving) = package::open(&sealed, &key).unwrap();
    assert!(accounts.is_empty());
    assert_eq!(moving.len(), 1);
    assert!(moving[0].phone_signin);
    let other = TransferKey::generate(&Fixed(0)).unwrap();
    assert!(matches!(
        package::open(&sealed, &other),
        Err(TransferError::Import(crate::import::ImportError::WrongPassword(_)))
    ));
    let backup =
        crate::export::backup::seal(&[], &key.password(), package::TRANSFER_KDF, [1; 16], [2; 12])
            .unwrap();
    assert!(matches!(package::open(&backup, &key), Err(TransferError::NotATransfer)));
    assert!(matches!(package::open(b"{}", &key), Err(TransferError::Import(_))));
}
