//! Fuzzes the idx reader; see `cascade_cli::fuzzing::Target::Idx`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::Idx, data));
