//! The built-in detectors: their names (for `IFTRACER_REDACT`) and the DEFAULT and ALL sets.

/// A built-in detector of sensitive values.
///
/// ```
/// use iftracer::privacy::Detector;
///
/// assert_eq!(Detector::from_name("email"), Some(Detector::Email));
/// assert_eq!(Detector::PaymentCard.name(), "card");
/// assert_eq!(Detector::from_name("passport"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detector {
    /// US social security numbers with any one separator InsightFinder's gateway knows
    /// (`123-45-6789`, `123 45 6789`, `123.45.6789`, `123/45/6789`, `123_45_6789`,
    /// `123,45,6789`), or nine digits after the word "SSN"; impossible ones (area 000, 666 or
    /// 900-999, group 00, serial 0000) excepted.
    Ssn,
    /// E-mail addresses such as `jane.doe+tag@mail.example.co.uk` or `josé@correo.es`
    /// (non-ASCII letters allowed).
    Email,
    /// Payment card numbers: 13 to 19 digits, contiguous or in groups separated by single spaces
    /// or dashes, starting with a payment network's digit (2 to 6) and passing the Luhn check.
    PaymentCard,
    /// Phone numbers: North American (`(555) 123-4567`, `555-123-4567`, `555.123.4567`,
    /// `+1 555 123 4567`) and international with a leading `+` (`+44 20 7946 0958`,
    /// `+33 1.23.45.67.89`, `+49 (0)30 123456`).
    Phone,
    /// Common API-key shapes: OpenAI and Anthropic `sk-…`, AWS access key ids (`AKIA…`,
    /// `ASIA…`), GitHub `ghp_…`/`github_pat_…`, GitLab `glpat-…`, Hugging Face `hf_…`, Google
    /// `AIza…`, Slack `xox?-…`/`xapp-…`, Stripe `sk_live_…`, npm `npm_…`.
    ApiKey,
    /// The token after `Bearer ` (the word is kept), and JSON Web Tokens anywhere.
    BearerToken,
    /// Other credentials: `Authorization: Basic …` values (the word is kept), PEM private keys,
    /// and the value of `password=`, `secret:`, `token=`, `api_key=`, `access_key` (AWS secret
    /// keys) and similar pairs, also "my password is …".
    Credential,
    /// International bank account numbers with a valid checksum (`DE89 3704 0044 0532 0130 00`).
    Iban,
    /// UK National Insurance numbers (`AB 12 34 56 C`) and Canadian Social Insurance numbers
    /// (`130 692 544`, with the Luhn check).
    NationalId,
    /// IPv4 and IPv6 addresses (not in [`Detector::DEFAULT`]: logs hold many servers').
    IpAddress,
    /// MAC addresses such as `00:1A:2B:3C:4D:5E` (not in [`Detector::DEFAULT`]).
    MacAddress,
}

impl Detector {
    /// The detectors of `IFTRACER_REDACT=default`: personal data and credentials, not network
    /// addresses.
    pub const DEFAULT: [Detector; 9] = [
        Detector::Ssn,
        Detector::Email,
        Detector::PaymentCard,
        Detector::Phone,
        Detector::ApiKey,
        Detector::BearerToken,
        Detector::Credential,
        Detector::Iban,
        Detector::NationalId,
    ];

    /// Every built-in detector (`IFTRACER_REDACT=all`): the default set plus IP and MAC
    /// addresses.
    pub const ALL: [Detector; 11] = [
        Detector::Ssn,
        Detector::Email,
        Detector::PaymentCard,
        Detector::Phone,
        Detector::ApiKey,
        Detector::BearerToken,
        Detector::Credential,
        Detector::Iban,
        Detector::NationalId,
        Detector::IpAddress,
        Detector::MacAddress,
    ];

    /// The detector's name in configuration (`IFTRACER_REDACT=ssn,email`).
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    ///
    /// let names: Vec<_> = Detector::ALL.iter().map(|d| d.name()).collect();
    /// assert_eq!(
    ///     names,
    ///     [
    ///         "ssn", "email", "card", "phone", "api_key", "bearer_token", "credential", "iban",
    ///         "national_id", "ip", "mac"
    ///     ]
    /// );
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Detector::Ssn => "ssn",
            Detector::Email => "email",
            Detector::PaymentCard => "card",
            Detector::Phone => "phone",
            Detector::ApiKey => "api_key",
            Detector::BearerToken => "bearer_token",
            Detector::Credential => "credential",
            Detector::Iban => "iban",
            Detector::NationalId => "national_id",
            Detector::IpAddress => "ip",
            Detector::MacAddress => "mac",
        }
    }

    /// The detector with this configuration name.
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    ///
    /// assert_eq!(Detector::from_name("bearer_token"), Some(Detector::BearerToken));
    /// assert_eq!(Detector::from_name("Email"), None); // names are lower case
    /// ```
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }
}
