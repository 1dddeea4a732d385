//! Bytes → baselines, waivers, lists.json and the other files the tool
//! reads besides permits and policies: never panic, render what parses.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::files(data));
