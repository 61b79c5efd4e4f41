//! Fuzzes the saved cascade reader; see `cascade_cli::fuzzing::Target::SavedCascade`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::SavedCascade, data));
