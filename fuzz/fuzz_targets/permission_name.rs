#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idgraph::fuzzing::permission_name(data));
