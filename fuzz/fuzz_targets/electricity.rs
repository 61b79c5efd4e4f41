//! Fuzzes the electricity reader; see `cascade_cli::fuzzing::Target::Electricity`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::Electricity, data));
