//! Fuzzes the image folders reader; see `cascade_cli::fuzzing::Target::ImageFolders`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::ImageFolders, data));
