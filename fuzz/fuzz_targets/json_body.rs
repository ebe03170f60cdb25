#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idgraph::fuzzing::json_body_parsers(data));
