//! One exchange with an LLM API from arbitrary bytes, fed to the wire recorder as the HTTP
//! adapters feed it (request, status and content type, body in pieces, then finished, failed or
//! dropped): never a panic, whatever the request or the provider sends.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    iftracer::__fuzz::llm_exchange(data);
});
