//! Fuzzes the tasks csv reader; see `cascade_cli::fuzzing::Target::TasksCsv`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::TasksCsv, data));
