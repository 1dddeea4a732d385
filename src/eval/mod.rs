//! The evaluator: every policy in force, over one loaded permit.
//!
//! Policies run in strata (see `lang::library::Stratum`): derivations first
//! (facts such as the management category the catalogue requires), then
//! ordinary rules, then review rules that read the number of findings.
//! Within a stratum, policies run in id order; output is sorted afterwards
//! anyway, so the order is never observable.

pub mod ids;
pub mod interp;
pub mod locate;
pub mod trace;
pub mod value;

use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::lang::library::{Library, Stratum};
use crate::permit::model::Permit;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One contribution to a derived fact: "item 95 requires `key` because ...".
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    pub value: u16,
    pub item: Option<String>,
    pub reason: String,
    pub span: Option<Span>,
    pub rule: String,
}

/// Which statements ran and how requirements came out (for `--coverage`).
#[derive(Debug, Default)]
pub struct Coverage {
    /// (rule, version, statement offset) → outcomes.
    pub outcomes: HashMap<(String, u32, u32), Outcome>,
    pub reached: BTreeSet<(String, u32, u32)>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Outcome {
    pub passed: usize,
    pub failed: usize,
}

impl Coverage {
    pub fn merge(&mut self, other: Coverage) {
        for (k, v) in other.outcomes {
            let e = self.outcomes.entry(k).or_default();
            e.passed += v.passed;
            e.failed += v.failed;
        }
        self.reached.extend(other.reached);
    }
}

#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Derived facts with every contribution, in derivation order.
    pub facts: BTreeMap<String, Vec<Contribution>>,
    /// Policies run over the permit, and how many of them left something
    /// undecided (a `Severity::Undecided` finding).
    pub rules_applied: usize,
    pub undecided_rules: usize,
}

/// Run every policy in force on `as_of` over `permit`. `prior` are the
/// findings already made about this permit (document validation); review
/// rules count them together with the policies' own.
pub fn evaluate(
    lib: &Library,
    permit: &Permit,
    as_of: Date,
    prior: &[Finding],
    coverage: Option<&mut Coverage>,
) -> Evaluation {
    evaluate_inner(
        lib,
        permit,
        as_of,
        prior,
        coverage,
        interp::Budget::DEFAULT,
        None,
    )
}

/// [`evaluate`] with each policy's [`interp::Budget`] on this permit. A
/// policy that runs out gets one error finding (its verdict is unknown);
/// the other policies run as usual.
pub fn evaluate_budgeted(
    lib: &Library,
    permit: &Permit,
    as_of: Date,
    prior: &[Finding],
    coverage: Option<&mut Coverage>,
    budget: interp::Budget,
) -> Evaluation {
    evaluate_inner(lib, permit, as_of, prior, coverage, budget, None)
}

/// [`evaluate`], writing the evaluation of the rule `rule` (every version
/// in force) to a trace (`check --trace`). The evaluation is the same.
pub fn evaluate_traced(
    lib: &Library,
    permit: &Permit,
    as_of: Date,
    prior: &[Finding],
    rule: &str,
) -> (Evaluation, trace::Trace) {
    let mut t = trace::Trace::new(permit.source.clone());
    let eval = evaluate_inner(
        lib,
        permit,
        as_of,
        prior,
        None,
        interp::Budget::DEFAULT,
        Some((rule, &mut t)),
    );
    (eval, t)
}

fn evaluate_inner(
    lib: &Library,
    permit: &Permit,
    as_of: Date,
    prior: &[Finding],
    mut coverage: Option<&mut Coverage>,
    budget: interp::Budget,
    mut trace: Option<(&str, &mut trace::Trace)>,
) -> Evaluation {
    let mut eval = Evaluation::default();
    let ids = ids::Ids::new(&permit.root);
    let in_force = lib.in_force_indices(as_of);
    let policies = in_force.iter().map(|&i| &lib.policies[i]);
    for stratum in [Stratum::Derive, Stratum::Rule, Stratum::Review] {
        let mut counts = [0usize; 4];
        for f in prior.iter().chain(&eval.findings) {
            counts[f.severity as usize] += 1;
        }
        let mut derived = Vec::new();
        // The scope stack and loop context, reused by every policy of the
        // stratum (each run leaves them empty), so no policy regrows them.
        let mut env = Vec::with_capacity(32);
        let mut context = Vec::with_capacity(8);
        for policy in policies.clone().filter(|p| p.stratum == stratum) {
            let traced = match &mut trace {
                Some((id, t)) if *id == policy.meta.id => {
                    t.line(format!(
                        "policy {} v{} ({}), in force on {as_of}",
                        policy.meta.id, policy.meta.version, policy.meta.file
                    ));
                    t.depth += 1;
                    Some(&mut **t)
                }
                _ => None,
            };
            let mut it = interp::Interp {
                lib,
                policy,
                root: &permit.root,
                ids: &ids,
                as_of,
                facts: &eval.facts,
                finding_counts: counts,
                env: std::mem::take(&mut env),
                context: std::mem::take(&mut context),
                out: Vec::new(),
                undecided: Vec::new(),
                derived: Vec::new(),
                coverage: coverage.as_deref_mut(),
                budget,
                exhausted: None,
                indexes: Default::default(),
                trace: traced,
            };
            it.run();
            if let Some(t) = it.trace.take() {
                t.depth -= 1;
                t.line(format!(
                    "decision: {} finding(s), {} undecided ({} requirement check(s) held, {} failed, {} unknown)",
                    it.out.len(),
                    it.undecided.len(),
                    t.passed,
                    t.failed,
                    t.unknown
                ));
            }
            if let Some(why) = it.exhausted {
                // The run was cut short: whatever it found or derived is
                // partial, so none of it counts; one finding says why.
                env = std::mem::take(&mut it.env);
                context = std::mem::take(&mut it.context);
                env.clear();
                context.clear();
                eval.findings
                    .push(budget_finding(lib, policy, permit, why, budget));
                eval.rules_applied += 1;
                eval.undecided_rules += 1;
                continue;
            }
            env = std::mem::take(&mut it.env);
            context = std::mem::take(&mut it.context);
            env.clear();
            context.clear();
            let out = std::mem::take(&mut it.out);
            let undecided = std::mem::take(&mut it.undecided);
            derived.extend(std::mem::take(&mut it.derived));
            for raw in out {
                let (path, field_zh) = raw
                    .primary
                    .map(|s| locate::locate(&permit.root, s))
                    .unwrap_or_default();
                eval.findings.push(Finding {
                    rule: policy.meta.id.clone(),
                    severity: policy.meta.severity,
                    element: policy.meta.element.clone(),
                    department: lib.department(&policy.meta.element),
                    message: raw.message,
                    basis: Some(policy.meta.basis.clone()),
                    help: raw.help,
                    file: permit.source.clone(),
                    primary: raw.primary,
                    labels: raw.labels,
                    path,
                    field_zh,
                });
            }
            if !undecided.is_empty() {
                eval.undecided_rules += 1;
            }
            for raw in undecided {
                let (path, field_zh) = raw
                    .primary
                    .map(|s| locate::locate(&permit.root, s))
                    .unwrap_or_default();
                eval.findings.push(Finding {
                    rule: policy.meta.id.clone(),
                    severity: Severity::Undecided,
                    element: policy.meta.element.clone(),
                    department: lib.department(&policy.meta.element),
                    message: raw.message,
                    basis: Some(policy.meta.basis.clone()),
                    help: Some(format!(
                        "本规则（{}）对此既未判定合规也未判定违规：请补充所缺内容，或人工复核",
                        policy.meta.title
                    )),
                    file: permit.source.clone(),
                    primary: raw.primary,
                    labels: raw.labels,
                    path,
                    field_zh,
                });
            }
            eval.rules_applied += 1;
        }
        for (fact, c) in derived {
            eval.facts.entry(fact).or_default().push(c);
        }
    }
    eval
}

/// The finding for a policy whose evaluation ran out of budget on a permit.
fn budget_finding(
    lib: &Library,
    policy: &crate::lang::library::CompiledPolicy,
    permit: &Permit,
    why: interp::Exhausted,
    b: interp::Budget,
) -> Finding {
    let what = match why {
        interp::Exhausted::Steps => format!("more than {} loop iterations", b.steps),
        interp::Exhausted::MessageBytes => {
            format!("more than {} bytes of messages", b.message_bytes)
        }
    };
    Finding {
        rule: policy.meta.id.clone(),
        severity: Severity::Error,
        element: policy.meta.element.clone(),
        department: lib.department(&policy.meta.element),
        message: format!(
            "evaluation stopped: this rule needed {what} on this permit; its verdict is unknown"
        ),
        basis: Some(policy.meta.basis.clone()),
        help: Some("check the permit's list sizes and text lengths, or the rule's loops".into()),
        file: permit.source.clone(),
        primary: None,
        labels: Vec::new(),
        path: String::new(),
        field_zh: String::new(),
    }
}

/// Count findings by severity: `[errors, warnings, notices, undecided]`.
pub fn counts(findings: &[Finding]) -> [usize; 4] {
    let mut c = [0; 4];
    for f in findings {
        c[f.severity as usize] += 1;
    }
    c
}
