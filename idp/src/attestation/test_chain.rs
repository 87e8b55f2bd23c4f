//! Test Android Key Attestation chains (tests and harnesses only, feature `testing`): a root,
//! an intermediate and a leaf for a given key whose key description the test chooses, made
//! with rcgen the way a phone's KeyMint makes them. Nothing here is trusted in production:
//! the root is new for every [`TestAuthority`].

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, IsCa, Issuer, KeyPair,
    PKCS_ECDSA_P256_SHA256,
};

/// What the leaf's key description says (the default: a TEE-generated P-256 signing key that
/// needs biometrics for every signature).
#[derive(Clone, Debug)]
pub struct Description {
    /// `attestationSecurityLevel` and `keyMintSecurityLevel` (1: TEE, 0: software).
    pub security_level: u8,
    /// `attestationChallenge`.
    pub challenge: Vec<u8>,
    /// `purpose` in the hardware list.
    pub purposes: Vec<u8>,
    /// The `purpose` tag given twice (malformed).
    pub purpose_twice: bool,
    /// `ecCurve` in the hardware list.
    pub ec_curve: u8,
    /// `noAuthRequired` in the hardware list.
    pub no_auth_required: bool,
    /// `userAuthType` in the hardware list (`None`: absent).
    pub user_auth_type: Option<u8>,
    /// `authTimeout` in the hardware list (`None`: absent).
    pub auth_timeout: Option<u8>,
    /// `origin` in the hardware list (0: generated, 2: imported).
    pub origin: u8,
    /// `rootOfTrust` in the hardware list: `deviceLocked`, `verifiedBootState` (`None`:
    /// absent).
    pub root_of_trust: Option<(bool, u8)>,
    /// `osPatchLevel` in the hardware list (`None`: absent).
    pub os_patch_level: Option<u32>,
    /// `attestationApplicationId` in the software list (its DER, see [`application_id`];
    /// `None`: absent).
    pub application_id: Option<Vec<u8>>,
}

/// The package the default description names, and its signing certificate's digest.
pub const TEST_PACKAGE: &str = "app.nyckel";
/// The SHA-256 of [`TEST_PACKAGE`]'s (made-up) signing certificate.
pub const TEST_SIGNING_DIGEST: [u8; 32] = [0x5a; 32];

/// An `AttestationApplicationId` naming `packages` (name, version) signed by `digests`.
pub fn application_id(packages: &[(&str, u64)], digests: &[[u8; 32]]) -> Vec<u8> {
    let infos: Vec<u8> = packages
        .iter()
        .flat_map(|(name, version)| {
            tlv(&[0x30], &[tlv(&[0x04], name.as_bytes()), uint(*version)].concat())
        })
        .collect();
    let digests: Vec<u8> = digests.iter().flat_map(|d| tlv(&[0x04], d)).collect();
    tlv(&[0x30], &[tlv(&[0x31], &infos), tlv(&[0x31], &digests)].concat())
}

/// A DER INTEGER of a non-negative value.
pub fn uint(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let mut content = bytes[first..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(&[0x02], &content)
}

impl Description {
    /// A good description for `challenge`.
    pub fn for_challenge(challenge: &[u8]) -> Description {
        Description {
            security_level: 1,
            challenge: challenge.to_vec(),
            purposes: vec![2],
            purpose_twice: false,
            ec_curve: 1,
            no_auth_required: false,
            user_auth_type: Some(2),
            auth_timeout: None,
            origin: 0,
            root_of_trust: Some((true, 0)),
            os_patch_level: Some(202_611),
            application_id: Some(application_id(&[(TEST_PACKAGE, 42)], &[TEST_SIGNING_DIGEST])),
        }
    }

    /// The extension's DER.
    pub fn to_der(&self) -> Vec<u8> {
        let int = |v: u8| tlv(&[0x02], &[v]);
        let enumerated = tlv(&[0x0a], &[self.security_level]);
        let mut hw = Vec::new();
        let purposes: Vec<u8> = self.purposes.iter().flat_map(|p| int(*p)).collect();
        let purpose = tlv(&[0xa1], &tlv(&[0x31], &purposes));
        hw.extend(&purpose);
        if self.purpose_twice {
            hw.extend(&purpose);
        }
        hw.extend(tlv(&[0xa2], &int(3)));
        hw.extend(tlv(&[0xaa], &int(self.ec_curve)));
        if self.no_auth_required {
            hw.extend(tlv(&[0xbf, 0x83, 0x77], &tlv(&[0x05], &[])));
        }
        if let Some(t) = self.user_auth_type {
            hw.extend(tlv(&[0xbf, 0x83, 0x78], &int(t)));
        }
        if let Some(t) = self.auth_timeout {
            hw.extend(tlv(&[0xbf, 0x83, 0x79], &int(t)));
        }
        hw.extend(tlv(&[0xbf, 0x85, 0x3e], &int(self.origin)));
        if let Some((locked, state)) = self.root_of_trust {
            let fields = [
                tlv(&[0x04], &[0x11; 32]),                      // verifiedBootKey
                tlv(&[0x01], &[if locked { 0xff } else { 0 }]), // deviceLocked
                tlv(&[0x0a], &[state]),                         // verifiedBootState
                tlv(&[0x04], &[0x22; 32]),                      // verifiedBootHash
            ];
            hw.extend(tlv(&[0xbf, 0x85, 0x40], &tlv(&[0x30], &fields.concat())));
        }
        if let Some(level) = self.os_patch_level {
            hw.extend(tlv(&[0xbf, 0x85, 0x42], &uint(level.into())));
        }
        // creationDateTime [701] in the software list: a tag the provider skips.
        let mut sw = tlv(&[0xbf, 0x85, 0x3d], &tlv(&[0x02], &[0x01, 0x8c, 0x00, 0x00, 0x00, 0x00]));
        if let Some(id) = &self.application_id {
            sw.extend(tlv(&[0xbf, 0x85, 0x45], &tlv(&[0x04], id)));
        }
        let mut fields = Vec::new();
        fields.extend(tlv(&[0x02], &[0x01, 0x2c])); // attestationVersion 300
        fields.extend(&enumerated);
        fields.extend(tlv(&[0x02], &[0x01, 0x2c])); // keyMintVersion 300
        fields.extend(&enumerated);
        fields.extend(tlv(&[0x04], &self.challenge));
        fields.extend(tlv(&[0x04], &[]));
        fields.extend(tlv(&[0x30], &sw));
        fields.extend(tlv(&[0x30], &hw));
        tlv(&[0x30], &fields)
    }
}

/// A certificate's serial number as Google's status list writes it (lowercase hexadecimal).
pub fn serial_of(der: &[u8]) -> String {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("a certificate");
    format!("{:x}", cert.serial)
}

/// One DER value: `tag` bytes, definite length, `content`.
pub fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEC1 P-256 public key as rcgen's subject key.
struct Sec1<'a>(&'a [u8]);

impl rcgen::PublicKeyData for Sec1<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

/// A test root and intermediate that issue attestation leaves.
pub struct TestAuthority {
    root_key: KeyPair,
    root_params: CertificateParams,
    root: Vec<u8>,
    intermediate_key: KeyPair,
    intermediate_params: CertificateParams,
    intermediate: Vec<u8>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("no names");
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2090, 1, 1);
    p
}

impl TestAuthority {
    /// A new root (self-signed) and an intermediate it signed.
    pub fn new() -> TestAuthority {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
        let root_params = ca_params("Nyckel test attestation root");
        let root = root_params.self_signed(&root_key).expect("a root").der().to_vec();
        let intermediate_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
        let intermediate_params = ca_params("Nyckel test attestation intermediate");
        let issuer = Issuer::from_params(&root_params, &root_key);
        let intermediate = intermediate_params
            .signed_by(&intermediate_key, &issuer)
            .expect("an intermediate")
            .der()
            .to_vec();
        TestAuthority {
            root_key,
            root_params,
            root,
            intermediate_key,
            intermediate_params,
            intermediate,
        }
    }

    /// The root certificate (DER), to configure as trusted.
    pub fn root(&self) -> Vec<u8> {
        self.root.clone()
    }

    /// The intermediate certificate (DER) every chain of this authority has.
    pub fn intermediate(&self) -> Vec<u8> {
        self.intermediate.clone()
    }

    /// A chain (leaf, intermediate, root; DER) attesting `public_key` (SEC1) as `d` says.
    pub fn chain(&self, public_key: &[u8], d: &Description) -> Vec<Vec<u8>> {
        self.chain_with(public_key, Some(d.to_der()), 2090)
    }

    /// A chain whose leaf carries `description` (DER, or none) and expires in `until_year`.
    pub fn chain_with(
        &self,
        public_key: &[u8],
        description: Option<Vec<u8>>,
        until_year: i32,
    ) -> Vec<Vec<u8>> {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("no names");
        p.distinguished_name.push(rcgen::DnType::CommonName, "Android Keystore Key");
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(until_year, 1, 1);
        if let Some(der) = description {
            p.custom_extensions =
                vec![CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 11129, 2, 1, 17], der)];
        }
        let issuer = Issuer::from_params(&self.intermediate_params, &self.intermediate_key);
        let leaf = p.signed_by(&Sec1(public_key), &issuer).expect("a leaf").der().to_vec();
        vec![leaf, self.intermediate.clone(), self.root.clone()]
    }

    /// An intermediate signed by this root that carries a key description itself.
    pub fn intermediate_with_description(&self, der: Vec<u8>) -> Vec<u8> {
        let mut p = ca_params("Nyckel test intermediate with a description");
        p.custom_extensions =
            vec![CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 11129, 2, 1, 17], der)];
        let issuer = Issuer::from_params(&self.root_params, &self.root_key);
        p.signed_by(&self.intermediate_key, &issuer).expect("an intermediate").der().to_vec()
    }
}

impl Default for TestAuthority {
    fn default() -> Self {
        TestAuthority::new()
    }
}

/// What a test App Attest attestation object says (the default, [`AppAttest::new`]: a
/// production attestation of a new key for the app and the client data hash given).
#[derive(Clone, Debug)]
pub struct AppAttest {
    /// The object's `fmt`.
    pub fmt: String,
    /// `TEAMID.bundleId` whose SHA-256 is the `rpIdHash`.
    pub app_id: String,
    /// What the app passed to `attestKey`.
    pub client_data_hash: Vec<u8>,
    /// `signCount`.
    pub counter: u32,
    /// `aaguid`.
    pub aaguid: [u8; 16],
    /// The nonce extension's value (`None`: the right one, SHA-256(authData ‖ hash)).
    pub nonce: Option<Vec<u8>>,
    /// Whether the credential certificate has the nonce extension at all.
    pub nonce_extension: bool,
    /// The credential id (`None`: the right one, SHA-256 of the certificate's key).
    pub credential_id: Option<Vec<u8>>,
}

impl AppAttest {
    /// A good attestation for `app_id` and `client_data_hash`.
    pub fn new(app_id: &str, client_data_hash: &[u8]) -> AppAttest {
        AppAttest {
            fmt: "apple-appattest".into(),
            app_id: app_id.into(),
            client_data_hash: client_data_hash.to_vec(),
            counter: 0,
            aaguid: *b"appattest\0\0\0\0\0\0\0",
            nonce: None,
            nonce_extension: true,
            credential_id: None,
        }
    }
}

/// A CBOR attestation object `{fmt, attStmt: {x5c, receipt}, authData}`.
pub fn app_attest_object(fmt: &str, x5c: &[Vec<u8>], auth_data: &[u8]) -> Vec<u8> {
    use ciborium::Value;
    let text = |s: &str| Value::Text(s.to_owned());
    let statement = Value::Map(vec![
        (text("x5c"), Value::Array(x5c.iter().map(|c| Value::Bytes(c.clone())).collect())),
        (text("receipt"), Value::Bytes(b"a receipt the provider does not read".to_vec())),
    ]);
    let object = Value::Map(vec![
        (text("fmt"), text(fmt)),
        (text("attStmt"), statement),
        (text("authData"), Value::Bytes(auth_data.to_vec())),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&object, &mut out).expect("CBOR to a vector");
    out
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    nyckel_core::protocol::wire::sha256(bytes).to_vec()
}

impl TestAuthority {
    /// The parts of an App Attest attestation as `a` says: `x5c` (the credential
    /// certificate, this authority's intermediate) and `authData`.
    pub fn app_attest_parts(&self, a: &AppAttest) -> (Vec<Vec<u8>>, Vec<u8>) {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
        let point = key.public_key_raw().to_vec();
        let credential_id = a.credential_id.clone().unwrap_or_else(|| sha256(&point));
        let mut auth_data = sha256(a.app_id.as_bytes());
        auth_data.push(0x40); // attested credential data included
        auth_data.extend(a.counter.to_be_bytes());
        auth_data.extend(a.aaguid);
        auth_data.extend((credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&credential_id);
        // The credential's COSE key (EC2, P-256): what follows the id, which is not checked.
        let cose = ciborium::Value::Map(vec![
            (1.into(), 2.into()),
            (3.into(), (-7).into()),
            ((-1).into(), 1.into()),
            ((-2).into(), ciborium::Value::Bytes(point[1..33].to_vec())),
            ((-3).into(), ciborium::Value::Bytes(point[33..].to_vec())),
        ]);
        ciborium::into_writer(&cose, &mut auth_data).expect("CBOR to a vector");
        let nonce = a.nonce.clone().unwrap_or_else(|| {
            sha256(&[auth_data.as_slice(), a.client_data_hash.as_slice()].concat())
        });
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("no names");
        p.distinguished_name.push(rcgen::DnType::CommonName, "App Attest credential");
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2090, 1, 1);
        if a.nonce_extension {
            // SEQUENCE { [1] EXPLICIT OCTET STRING nonce }
            let value = tlv(&[0x30], &tlv(&[0xa1], &tlv(&[0x04], &nonce)));
            p.custom_extensions =
                vec![CustomExtension::from_oid_content(&[1, 2, 840, 113635, 100, 8, 2], value)];
        }
        let issuer = Issuer::from_params(&self.intermediate_params, &self.intermediate_key);
        let cred_cert = p.signed_by(&key, &issuer).expect("a credential certificate");
        (vec![cred_cert.der().to_vec(), self.intermediate.clone()], auth_data)
    }

    /// An App Attest attestation object as `a` says.
    pub fn app_attest(&self, a: &AppAttest) -> Vec<u8> {
        let (x5c, auth_data) = self.app_attest_parts(a);
        app_attest_object(&a.fmt, &x5c, &auth_data)
    }
}
