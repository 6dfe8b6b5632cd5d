//! `OTEL_EXPORTER_OTLP_HEADERS` from arbitrary bytes: a header list or a typed error, never a
//! panic.

#![no_main]

use iftracer::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = iftracer::__fuzz::otlp_headers(data) {
        // A malformed list or header, a non-UTF-8 value, or InsightFinder credentials named in
        // the list without the others: nothing else can go wrong with only this variable set.
        assert!(
            matches!(
                error,
                Error::InvalidHeader { .. }
                    | Error::NotUnicode { .. }
                    | Error::MissingCredential { .. }
            ),
            "{error}"
        );
    }
});
