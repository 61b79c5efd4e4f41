//! Fuzzes the grid reader; see `cascade_cli::fuzzing::Target::Grid`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::Grid, data));
