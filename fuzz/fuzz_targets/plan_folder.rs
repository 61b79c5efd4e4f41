//! Fuzzes the plan folder reader; see `cascade_cli::fuzzing::Target::PlanFolder`.
#![no_main]

use cascade_cli::fuzzing::{Target, check};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(Target::PlanFolder, data));
