//! Fuzzes the cifar reader; see `cascade_cli::fuzzing::Target::Cifar`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::Cifar, data));
