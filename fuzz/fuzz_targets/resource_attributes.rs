//! `OTEL_RESOURCE_ATTRIBUTES` from arbitrary bytes: attributes or a typed error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match iftracer::__fuzz::resource_attributes(data) {
        // `service.name` is always there.
        Ok(count) => assert!(count >= 1),
        Err(error) => assert!(error.to_string().contains("OTEL_RESOURCE_ATTRIBUTES")),
    }
});
