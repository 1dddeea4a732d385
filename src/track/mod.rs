//! What a run remembers about findings beyond evaluating rules: in-permit
//! suppressions (`# permitlint: ignore[RULE] 原因`), which take a finding out
//! where it stands and report that they did, and the result cache
//! (`.permitlint_cache`), which remembers the results of unchanged permits.
//! (Waivers and baselines, which work from outside the permit, are
//! `waiver` and `baseline`.)

pub mod cache;
pub mod suppress;
