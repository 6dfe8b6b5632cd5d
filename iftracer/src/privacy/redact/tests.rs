use std::borrow::Cow;
use std::sync::LazyLock;

use proptest::prelude::*;

use super::credentials::{API_KEY, BEARER_TOKEN, CREDENTIAL};
use super::email::EMAIL;
use super::iban::IBAN;
use super::national_ids::NATIONAL_ID;
use super::network::{IP, MAC};
use super::numbers::{CARD, PHONE, SSN, luhn, valid_ssn};
use super::*;

/// Sensitive values and what each must become, per detector.
const POSITIVES: &[(Detector, &str, &str)] = &[
    (Detector::Ssn, "123-45-6789", SSN),
    (Detector::Ssn, "123 45 6789", SSN),
    (Detector::Ssn, "078-05-1120", SSN),
    (Detector::Ssn, "899-99-9998", SSN),
    (Detector::Email, "jane.doe+tag@mail.example.co.uk", EMAIL),
    (Detector::Email, "john@example.com", EMAIL),
    (Detector::Email, "first_last@sub.domain.io", EMAIL),
    (Detector::Email, "a.b-c%d@x-y.org", EMAIL),
    (Detector::Email, "USER99@EXAMPLE.COM", EMAIL),
    (Detector::PaymentCard, "4111 1111 1111 1111", CARD),
    (Detector::PaymentCard, "4111-1111-1111-1111", CARD),
    (Detector::PaymentCard, "4111111111111111", CARD),
    (Detector::PaymentCard, "378282246310005", CARD),
    (Detector::PaymentCard, "3782 822463 10005", CARD),
    (Detector::PaymentCard, "3782-822463-10005", CARD),
    (Detector::PaymentCard, "5555555555554444", CARD),
    (Detector::PaymentCard, "6011 1111 1111 1117", CARD),
    (Detector::PaymentCard, "6011-0009-9013-9424", CARD),
    (Detector::PaymentCard, "30569309025904", CARD),
    (Detector::PaymentCard, "4222222222222", CARD),
    (Detector::PaymentCard, "2223003122003222", CARD),
    (Detector::Phone, "(555) 123-4567", PHONE),
    (Detector::Phone, "(555)123-4567", PHONE),
    (Detector::Phone, "555-123-4567", PHONE),
    (Detector::Phone, "555.123.4567", PHONE),
    (Detector::Phone, "555 123 4567", PHONE),
    (Detector::Phone, "1-800-555-0199", PHONE),
    (Detector::Phone, "+1 555 123 4567", PHONE),
    (Detector::Phone, "+1-555-123-4567", PHONE),
    (Detector::Phone, "+1 (555) 123-4567", PHONE),
    (Detector::Phone, "+44 20 7946 0958", PHONE),
    (Detector::Phone, "+44 (0)20 7946 0958", PHONE),
    (Detector::Phone, "+49 30 123456", PHONE),
    (Detector::Phone, "+33.1.23.45.67.89", PHONE),
    (Detector::Phone, "+14155552671", PHONE),
    (
        Detector::ApiKey,
        "sk-proj-abc123DEF456ghi789JKL012mno",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        API_KEY,
    ),
    (Detector::ApiKey, "AKIAIOSFODNN7EXAMPLE", API_KEY),
    (Detector::ApiKey, "ASIAY34FZKBOKMUTVV7A", API_KEY),
    (
        Detector::ApiKey,
        "ghp_Ik2zwEQHfwcepYyNGfB51YbmwxAscRuzOl8G",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "gho_Ik2zwEQHfwcepYyNGfB51YbmwxAscRuzOl8G",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "ghs_Ik2zwEQHfwcepYyNGfB51YbmwxAscRuzOl8G",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        API_KEY,
    ),
    (Detector::ApiKey, "xoxp-2048-abcdef0123456789", API_KEY),
    (
        Detector::ApiKey,
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        API_KEY,
    ),
    (Detector::ApiKey, "rk_live_51H8abcdEFGHijklMNOP", API_KEY),
    (
        Detector::ApiKey,
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        API_KEY,
    ),
    (
        Detector::BearerToken,
        "Bearer abc123def456ghi789",
        "Bearer [REDACTED:BEARER_TOKEN]",
    ),
    (
        Detector::BearerToken,
        "bearer 9f8e7d6c5b4a",
        "bearer [REDACTED:BEARER_TOKEN]",
    ),
    (
        Detector::BearerToken,
        "BEARER AbCdEfGhIjKlMnOpQrStUv",
        "BEARER [REDACTED:BEARER_TOKEN]",
    ),
    (
        Detector::BearerToken,
        "Bearer ya29.a0AfH6SMBx-token_value",
        "Bearer [REDACTED:BEARER_TOKEN]",
    ),
    (
        Detector::BearerToken,
        "Bearer  dGVzdDp0ZXN0MTIz==",
        "Bearer  [REDACTED:BEARER_TOKEN]",
    ),
    (Detector::BearerToken, JWT, BEARER_TOKEN),
    (
        Detector::BearerToken,
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.",
        BEARER_TOKEN,
    ),
    (Detector::Ssn, "123.45.6789", SSN),
    (Detector::Ssn, "123/45/6789", SSN),
    (Detector::Ssn, "123_45_6789", SSN),
    (Detector::Ssn, "123,45,6789", SSN),
    (Detector::Ssn, "SSN 123456789", "SSN [REDACTED:SSN]"),
    (
        Detector::Ssn,
        "social security number: 123456789",
        "social security number: [REDACTED:SSN]",
    ),
    (Detector::Email, "josé.núñez@correo.es", EMAIL),
    (Detector::Email, "jörg@bücher.de", EMAIL),
    (Detector::Email, "用户@例子.公司", EMAIL),
    (
        Detector::Email,
        "o'brien-x@mail.example.ie",
        "o'[REDACTED:EMAIL]",
    ),
    (Detector::Phone, "+44 20-7946-0958", PHONE),
    (Detector::Phone, "+33 1.23.45.67.89", PHONE),
    (Detector::Phone, "+81-3-1234-5678", PHONE),
    (Detector::Phone, "+91 98765 43210", PHONE),
    (Detector::Phone, "+61 (0)2 9876 5432", PHONE),
    (Detector::ApiKey, "AROAIOSFODNN7EXAMPLE", API_KEY),
    (Detector::ApiKey, "glpat-xY9kLmN0pQrS1tUvW2zA", API_KEY),
    (
        Detector::ApiKey,
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "xapp-1-A0123456789-abcdef0123456789",
        API_KEY,
    ),
    (
        Detector::ApiKey,
        "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        API_KEY,
    ),
    (
        Detector::Credential,
        "password=hunter2",
        "password=[REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "db_password: Xy9!long",
        "db_password: [REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "api_key=abc123XYZ",
        "api_key=[REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "client_secret='s3cr3t-value'",
        "client_secret='[REDACTED:CREDENTIAL]'",
    ),
    (
        Detector::Credential,
        "?access_token=ya29a0AfH6&page=2",
        "?access_token=[REDACTED:CREDENTIAL]&page=2",
    ),
    (Detector::Credential, "secret: always", "secret: always"),
    (
        Detector::Credential,
        "my password is Tr0ub4dor3",
        "my password is [REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=[REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
        "\"SecretAccessKey\": \"[REDACTED:CREDENTIAL]\"",
    ),
    (
        Detector::Credential,
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "Authorization: Basic [REDACTED:CREDENTIAL]",
    ),
    (
        Detector::Credential,
        "basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "basic [REDACTED:CREDENTIAL]",
    ),
    (Detector::Credential, PEM, CREDENTIAL),
    (Detector::Iban, "DE89 3704 0044 0532 0130 00", IBAN),
    (Detector::Iban, "DE89370400440532013000", IBAN),
    (Detector::Iban, "GB82WEST12345698765432", IBAN),
    (Detector::Iban, "GB82 WEST 1234 5698 7654 32", IBAN),
    (Detector::Iban, "FR14 2004 1010 0505 0001 3M02 606", IBAN),
    (Detector::Iban, "NL91ABNA0417164300", IBAN),
    (Detector::NationalId, "AB 12 34 56 C", NATIONAL_ID),
    (Detector::NationalId, "JG103773A", NATIONAL_ID),
    (Detector::NationalId, "130 692 544", NATIONAL_ID),
    (Detector::NationalId, "123-456-782", NATIONAL_ID),
    (Detector::IpAddress, "192.168.1.100", IP),
    (Detector::IpAddress, "10.0.0.255", IP),
    (Detector::IpAddress, "2001:db8::8a2e:370:7334", IP),
    (Detector::IpAddress, "fe80::1ff:fe23:4567:890a", IP),
    (Detector::IpAddress, "::1", IP),
    (
        Detector::IpAddress,
        "192.168.1.100:8080",
        "[REDACTED:IP]:8080",
    ),
    (Detector::MacAddress, "00:1A:2B:3C:4D:5E", MAC),
    (Detector::MacAddress, "00-1a-2b-3c-4d-5e", MAC),
];

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1cXk2\n+abc/def==\n-----END RSA PRIVATE KEY-----";

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikp\
                   vaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

/// The benign corpus: text that looks numeric or secret-ish but holds nothing sensitive
/// (timestamps, order and invoice numbers, versions, UUIDs, hashes, prices, ISO dates,
/// durations, ports, prose about secrets). README reports its false positives.
const NEGATIVES: &[&str] = &[
    "invoice INV-2024-00042 and order #A-7731-22",
    "invoice 2026-000117, PO 4500012345",
    "reference 987654321",
    "build 2026.11.23.1, firmware 4.2.1.0",
    "v10.4.2 and 1.2.3-rc.1",
    "python3.11 on 2026-11-23 11:36:23",
    "md5 d41d8cd98f00b204e9800998ecf8427e",
    "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "€1.299,00 or $12.50/hr or 1,299.00 USD",
    "P1DT2H30M, 1h 23m 45s, took 1234.56 ms",
    "listening on port 8080 and localhost:3000",
    "ratio 16:9 at 12:30:45",
    "Error code 0x80070005",
    "std::collections::HashMap and a::b",
    "Tokens used: 1234, max_tokens=512, prompt_tokens: 87",
    "password: required",
    "the token is valid",
    "the secret to success is practice",
    "Basic plan costs $9; a basic understanding of Rust",
    "AB12 CDEF GHIJ KLMN",
    "GB 12 34 56 A and AB123456E and ZZ123456A",
    "part 123-456-789 and 123 456 789",
    "GB00 WEST 1234 5698 7654 32",
    "DE00 1234 5678 9012 3456 78",
    "sk-learn, hf_hub, glpat-short",
    "table 3, row 12, column 7",
    "http://example.com/path?page=2&sort=asc",
    "2026-11-23T11:36:23+00:00",
    "ORD-2024-000123",
    "#100234587",
    "2026-11-23T11:36:23Z",
    "2026-11-23T11:36:23.123+01:00",
    "11:36:23.123",
    "2026-11-23",
    "11/23/2026",
    "550e8400-e29b-41d4-a716-446655440000",
    "12345678-1234-5678-1234-567812345678",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "1.35.0",
    "v2.14.103",
    "version 1.2.3-beta.4+build.20261123",
    "4111 1111 1111 1112",
    "4111-1111-1111-1112",
    "4111111111111112",
    "1234567812345678",
    "9999-4111-1111-1111-1111",
    "1732361783126",
    "1732361783123456783",
    "5551234567",
    "20261123113623",
    "000-12-3456",
    "666-12-3456",
    "900-12-3456",
    "123-00-4567",
    "123-45-0000",
    "ORD-555-123-4567",
    "id 555-123-4567x9",
    "f(555) 123-4567",
    "n+14155552671",
    "$1,234.56",
    "€99.99",
    "USD 12,500.00 and 1,000,000 tokens",
    "+1 2026",
    "UTC+0100",
    "score +15 points",
    "ISBN 978-0-596-52068-7",
    "lat 37.7749, lon -122.4194",
    "0x7ffee4c0a8b0",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "12:30 PM in room 101, port 8080, PID 48213",
    "user_id=12345678",
    "the bearer of bad news",
    "Bearer authentication is required.",
    "task-force-alpha-bravo-charlie-delta",
    "desk-abcdefghijklmnopqrstuvwxyz",
    "a skeleton key, an AKIA prefix, ghp_short and eyJ alone",
    "not an email: jane@localhost or @handle",
    "Summarise the following customer support conversation in three bullet points.",
];

/// Surroundings every positive and negative sample is tried in.
const CONTEXTS: &[&str] = &[
    "{}",
    "{} is it",
    "see {}",
    "Details: {}.",
    "({})",
    "\"{}\",",
    "<{}>",
    "x={};",
    "line one\n{}\nline two",
    "émoji 🎉 {} — ok",
];

/// Every detector, compiled once for all tests.
fn all() -> &'static Redactor {
    static ALL: LazyLock<Redactor> = LazyLock::new(|| Redactor::new(&Detector::ALL, Vec::new()));
    &ALL
}

/// The default set, compiled once for all tests.
fn default_set() -> &'static Redactor {
    static DEFAULT: LazyLock<Redactor> =
        LazyLock::new(|| Redactor::new(&Detector::DEFAULT, Vec::new()));
    &DEFAULT
}

/// Every negative sample in every context that `redactor` changes.
fn false_positives(redactor: &Redactor) -> Vec<String> {
    let mut found = Vec::new();
    for value in NEGATIVES {
        for context in CONTEXTS {
            let input = place(context, value);
            match redactor.redact(&input) {
                Cow::Borrowed(got) if got == input => {}
                got => found.push(format!("{input:?}: got {got:?}")),
            }
        }
    }
    found
}

fn place(context: &str, value: &str) -> String {
    context.replace("{}", value)
}

#[test]
fn every_positive_sample_is_redacted_in_every_context() {
    let redactor = all();
    let mut misses = Vec::new();
    for &(_, value, expected) in POSITIVES {
        for context in CONTEXTS {
            let (input, want) = (place(context, value), place(context, expected));
            let got = redactor.redact(&input);
            if got != want {
                misses.push(format!("{input:?}: got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(
        misses.is_empty(),
        "{} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn every_negative_sample_is_left_alone_in_every_context() {
    let false_positives = false_positives(default_set());
    assert!(
        false_positives.is_empty(),
        "{} false positives:\n{}",
        false_positives.len(),
        false_positives.join("\n")
    );
}

/// The opt-in network detectors take four-part versions for IPv4 addresses (README says so).
#[test]
fn with_every_detector_the_benign_corpus_has_known_false_positives() {
    let found = false_positives(all());
    let contexts = CONTEXTS.len();
    assert_eq!(found.len(), contexts, "{}", found.join("\n"));
    assert!(
        found.iter().all(|f| f.contains("firmware 4.2.1.0")),
        "{}",
        found.join("\n")
    );
}

#[test]
fn several_values_in_one_prompt() {
    let input = "Hi, I'm Jane (jane.doe@example.com, +1 555 123 4567). My SSN is 123-45-6789 and \
                 my card 4111-1111-1111-1111 was charged twice for order ORD-2024-000123 on \
                 2026-11-23T11:36:23Z. Header: Authorization: Bearer abc123def456ghi789; key \
                 AKIAIOSFODNN7EXAMPLE.";
    let want = "Hi, I'm Jane ([REDACTED:EMAIL], [REDACTED:PHONE]). My SSN is [REDACTED:SSN] and \
                my card [REDACTED:CARD] was charged twice for order ORD-2024-000123 on \
                2026-11-23T11:36:23Z. Header: Authorization: Bearer [REDACTED:BEARER_TOKEN]; key \
                [REDACTED:API_KEY].";
    assert_eq!(all().redact(input), want);
}

#[test]
fn adjacent_and_repeated_values() {
    let redactor = all();
    assert_eq!(
        redactor.redact("555-123-4567,555-123-4567;123-45-6789"),
        "[REDACTED:PHONE],[REDACTED:PHONE];[REDACTED:SSN]"
    );
    assert_eq!(
        redactor.redact("a@b.io b@c.io"),
        "[REDACTED:EMAIL] [REDACTED:EMAIL]"
    );
    // A `+` glued to a word (here a placeholder, as to the address it replaced) starts no
    // number, but the North American number after it still is one.
    assert_eq!(
        redactor.redact("a@b.co+1 555 123 4567"),
        "[REDACTED:EMAIL]+[REDACTED:PHONE]"
    );
    assert_eq!(redactor.redact("x+44 20 7946 0958"), "x+44 20 7946 0958");
    // A trailing group that is no part of the card (a CVV) stays.
    assert_eq!(
        redactor.redact("4111 1111 1111 1111 123"),
        "[REDACTED:CARD] 123"
    );
    // A `Bearer` token that is an e-mail's local part is reported as the e-mail.
    assert_eq!(
        redactor.redact("Bearer abcdefgh1@x.com"),
        "Bearer [REDACTED:EMAIL]"
    );
}

#[test]
fn each_detector_alone_redacts_only_its_own_samples() {
    for detector in Detector::ALL {
        let redactor = Redactor::new(&[detector], Vec::new());
        for &(kind, value, expected) in POSITIVES {
            let input = format!("value {value} end");
            let want = if kind == detector {
                format!("value {expected} end")
            } else {
                input.clone()
            };
            assert_eq!(redactor.redact(&input), want, "{detector:?} on {value:?}");
        }
    }
}

#[test]
fn only_email_leaves_ssns_alone() {
    let redactor = Redactor::new(&[Detector::Email], Vec::new());
    assert_eq!(
        redactor.redact("jane@example.com 123-45-6789"),
        "[REDACTED:EMAIL] 123-45-6789"
    );
}

#[test]
fn every_subset_of_detectors_compiles() {
    for mask in 0u32..1 << Detector::ALL.len() {
        let subset: Vec<Detector> = (0..Detector::ALL.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| Detector::ALL[i])
            .collect();
        let redactor = Redactor::new(&subset, Vec::new());
        assert_eq!(redactor.is_empty(), subset.is_empty());
        assert_eq!(redactor.redact("nothing here"), "nothing here");
    }
}

#[test]
fn custom_rules_apply_after_the_built_ins_with_literal_replacements() {
    let rules = vec![
        (
            Regex::new(r"ORD-\d{4}-\d{6}").unwrap(),
            "[ORDER $1]".to_owned(),
        ),
        // Sees the built-ins' output.
        (
            Regex::new(r"\[REDACTED:EMAIL\]").unwrap(),
            "<email>".to_owned(),
        ),
        (Regex::new(r"secret").unwrap(), "s****t".to_owned()),
    ];
    let redactor = Redactor::new(&[Detector::Email], rules);
    assert!(!redactor.is_empty());
    assert_eq!(
        redactor.redact("ORD-2024-000123 for jane@example.com, secret 123-45-6789"),
        "[ORDER $1] for <email>, s****t 123-45-6789"
    );
    assert!(matches!(
        redactor.redact("nothing to see"),
        Cow::Borrowed(_)
    ));

    let custom_only = Redactor::new(&[], vec![(Regex::new("x").unwrap(), "y".to_owned())]);
    assert!(!custom_only.is_empty());
    assert_eq!(custom_only.redact("xx 123-45-6789"), "yy 123-45-6789");
}

#[test]
fn empty_redactors_change_nothing() {
    for redactor in [Redactor::default(), Redactor::new(&[], Vec::new())] {
        assert!(redactor.is_empty());
        assert!(matches!(
            redactor.redact("jane@example.com 123-45-6789"),
            Cow::Borrowed(_)
        ));
    }
    assert!(!all().is_empty());
}

#[test]
fn detector_names_round_trip() {
    for detector in Detector::ALL {
        assert_eq!(Detector::from_name(detector.name()), Some(detector));
    }
    assert_eq!(Detector::from_name("SSN"), None);
    assert_eq!(Detector::from_name(""), None);
}

#[test]
fn redactor_is_cheap_to_share_and_debug_shows_names() {
    fn assert_traits<T: Clone + fmt::Debug + Default + Send + Sync>() {}
    assert_traits::<Redactor>();

    let redactor = Redactor::new(
        &[Detector::Email, Detector::Ssn, Detector::Email],
        vec![(Regex::new(r"ORD-\d+").unwrap(), "[ORDER]".to_owned())],
    );
    let copy = redactor.clone();
    assert!(Arc::ptr_eq(&redactor.inner, &copy.inner));
    assert_eq!(
        format!("{copy:?}"),
        r#"Redactor { detectors: ["email", "ssn"], custom: ["ORD-\\d+"] }"#
    );
}

#[test]
fn luhn_and_ssn_rules() {
    assert!(luhn(b"4111 1111 1111 1111"));
    assert!(luhn(b"79927398713"));
    assert!(!luhn(b"79927398710"));
    assert!(valid_ssn(b"123-45-6789"));
    for invalid in [
        "000-45-6789",
        "666-45-6789",
        "900-45-6789",
        "999-45-6789",
        "123-00-6789",
        "123-45-0000",
    ] {
        assert!(!valid_ssn(invalid.as_bytes()), "{invalid}");
    }
}

#[test]
fn long_and_pathological_inputs_finish() {
    let redactor = all();
    let inputs = [
        "1234-".repeat(200_000),
        "4111 ".repeat(200_000),
        "+1 ".repeat(300_000),
        "a".repeat(1_000_000) + "@example.com",
        "Bearer .".repeat(100_000),
        "é1-".repeat(200_000),
        "@".repeat(1_000_000),
        "sk-".repeat(300_000),
        "5".repeat(1_000_000),
    ];
    for input in &inputs {
        let once = redactor.redact(input);
        assert_eq!(redactor.redact(&once), once);
    }
}

/// Pieces that make candidates and their neighbours collide: values, separators, brackets.
fn fragments() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(POSITIVES.iter().map(|&(_, v, _)| v).collect::<Vec<_>>())
            .prop_map(str::to_owned),
        prop::sample::select(NEGATIVES.to_vec()).prop_map(str::to_owned),
        "[0-9]{1,6}",
        "[-. +()@_\\[\\]:=/]",
        "[a-zA-Z]{1,4}",
        Just("Bearer ".to_owned()),
        Just("[REDACTED:PHONE]".to_owned()),
        Just("é".to_owned()),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
}

fn check_idempotent(redactor: &Redactor, input: &str) -> Result<(), TestCaseError> {
    let once = redactor.redact(input).into_owned();
    let twice = redactor.redact(&once);
    prop_assert_eq!(twice.as_ref(), once.as_str(), "input {:?}", input);
    prop_assert!(matches!(twice, Cow::Borrowed(_)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_unicode_never_panics_and_is_idempotent(input in any::<String>()) {
        check_idempotent(all(), &input)?;
    }

    #[test]
    fn digit_and_separator_strings_are_idempotent(input in "[0-9 .()+-]{0,48}") {
        check_idempotent(all(), &input)?;
    }

    #[test]
    fn mixed_fragments_are_idempotent(input in fragments()) {
        check_idempotent(all(), &input)?;
    }

    /// Every built-in pattern needs an ASCII letter or digit, so text without any (nor `@`) is
    /// returned as is, without copying.
    #[test]
    fn text_without_letters_digits_or_at_is_borrowed(input in "[^0-9A-Za-z@]{0,64}") {
        prop_assert!(matches!(all().redact(&input), Cow::Borrowed(s) if s == input));
    }
}

/// Found by `mixed_fragments_are_idempotent`: a Basic token glued to a phone number was missed
/// the first time (the glued `+1` broke its base64) and found the second time.
#[test]
fn a_basic_token_glued_to_what_follows_is_found_the_first_time() {
    let input = "basic YWxhZGRpbjpvcGVuc2VzYW1l+1 555 123 4567";
    let once = all().redact(input).into_owned();
    assert_eq!(once, "basic [REDACTED:CREDENTIAL] [REDACTED:PHONE]");
    assert_eq!(all().redact(&once), once);
}

/// Tool-call arguments are JSON inside a JSON string: their quotes come escaped.
#[test]
fn secret_pairs_in_escaped_json_are_found() {
    let redactor = Redactor::new(&Detector::DEFAULT, Vec::new());
    let input = r#"{"arguments":"{\"user\":\"jane\",\"password\":\"Hunter0!\",\"api_key\": \"k-123456\"}"}"#;
    assert_eq!(
        redactor.redact(input),
        r#"{"arguments":"{\"user\":\"jane\",\"password\":\"[REDACTED:CREDENTIAL]\",\"api_key\": \"[REDACTED:CREDENTIAL]\"}"}"#
    );
}

/// Found by the `redaction` fuzz target (`fuzz/`): an address between dashes was judged with
/// what followed it (`2::2.` before another part) and accepted once that part was replaced
/// and it ended the run (`2::2` before the placeholder), so a second pass changed the text.
#[test]
fn addresses_between_dashes_are_found_the_first_time() {
    for (input, expected) in [
        (".-2::2.-2::", ".-[REDACTED:IP].-[REDACTED:IP]"),
        ("::8:-::8 up", "[REDACTED:IP]:-[REDACTED:IP] up"),
        ("0::2:.---::0", "[REDACTED:IP]:.---[REDACTED:IP]"),
        ("::12.-2::", "[REDACTED:IP].-[REDACTED:IP]"),
        (
            "0.0.0.0:8080-::8 down",
            "[REDACTED:IP]:8080-[REDACTED:IP] down",
        ),
        ("(10.0.0.1:-::6)", "([REDACTED:IP]:-[REDACTED:IP])"),
        ("00-1A-2B-3C-4D-5E-10.0.0.1", "[REDACTED:MAC]-[REDACTED:IP]"),
    ] {
        let once = all().redact(input).into_owned();
        assert_eq!(once, expected, "{input:?}");
        assert_eq!(all().redact(&once), once, "{input:?}");
    }
}

/// Found by the `redaction` fuzz target: a number passed over while glued to digits that another
/// match then replaced (an SSN, an IP or MAC address), or whose word "SSN" was out of reach
/// until a value between them was replaced by a shorter placeholder, was found by a second
/// redaction.
#[test]
fn numbers_glued_to_a_replaced_value_are_found_the_first_time() {
    for (redactor, input, expected) in [
        (
            default_set(),
            "+44 20 7946 044 20 7946 8-4",
            "[REDACTED:PHONE] [REDACTED:SSN] 8-4",
        ),
        (
            all(),
            "+3-4567422 02-1a-2b-3c-4d-fA",
            "[REDACTED:PHONE] [REDACTED:MAC]",
        ),
        (
            all(),
            "+96 0.0.0025 0.0.0.0",
            "[REDACTED:PHONE] [REDACTED:IP]",
        ),
        // `:SSN` (as a placeholder ends) is not the word, even where the 32 bytes looked at
        // start at its `S`.
        (
            default_set(),
            "x:SSN aaaaaaaaaaaaaaaaaaaaaaaaaaa 123456789",
            "x:SSN aaaaaaaaaaaaaaaaaaaaaaaaaaa 123456789",
        ),
        // The word "SSN" 35 bytes before the nine digits, 31 once the card is replaced.
        (
            default_set(),
            "SSN, card 4111 1111 1111 1111, ref 123456789",
            "SSN, card [REDACTED:CARD], ref [REDACTED:SSN]",
        ),
    ] {
        let once = redactor.redact(input).into_owned();
        assert_eq!(once, expected, "{input:?}");
        assert_eq!(redactor.redact(&once), once, "{input:?}");
    }
}
