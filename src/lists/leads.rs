//! Leads for enforcement (违法线索): the suspected violations among the
//! month's results, with their legal basis, one per unit and matter. A
//! lead's id is a hash of the unit and the matter, so a continuing lead
//! keeps its id month to month; last month's leads that are gone are closed.

use super::eia::{Reconciliation, Verdict, normalize_name, safe_document};
use super::problems::{ProblemsFile, Status};
use crate::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const VERSION: u32 = 1;

/// Rule whose finding is 未批先建.
pub const BEFORE_APPROVAL_RULE: &str = "eia.construction-before-approval";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matter {
    ConstructionBeforeApproval,
    UnlicensedDischarge,
    ExpiredPermitDischarging,
    OverdueRectification,
}

impl Matter {
    pub fn zh(self) -> &'static str {
        match self {
            Matter::ConstructionBeforeApproval => "未批先建",
            Matter::UnlicensedDischarge => "无证排污",
            Matter::ExpiredPermitDischarging => "许可证过期仍排污",
            Matter::OverdueRectification => "逾期拒不整改",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Matter::ConstructionBeforeApproval => "construction_before_approval",
            Matter::UnlicensedDischarge => "unlicensed_discharge",
            Matter::ExpiredPermitDischarging => "expired_permit_discharging",
            Matter::OverdueRectification => "overdue_rectification",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Continuing,
    Closed,
}

impl LeadStatus {
    pub fn zh(self) -> &'static str {
        match self {
            LeadStatus::New => "新推送",
            LeadStatus::Continuing => "持续",
            LeadStatus::Closed => "已消除",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: String,
    /// Credit code, or `name:<normalized name>` for an approval without one.
    pub unit_key: String,
    pub credit_code: String,
    pub unit: String,
    pub district: String,
    pub matter: Matter,
    pub basis: String,
    pub evidence: String,
    pub first_pushed: String,
    pub status: LeadStatus,
}

/// `leads.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadsFile {
    pub version: u32,
    pub as_of: String,
    pub leads: Vec<Lead>,
}

/// The stable id of a lead: FNV-1a 64 of the unit key and the matter.
pub fn lead_id(unit_key: &str, matter: Matter) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in unit_key
        .bytes()
        .chain(std::iter::once(0))
        .chain(matter.key().bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("XS-{:012x}", h >> 16)
}

/// A permit as leads need it.
pub struct PermitLine<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub district: &'a str,
    pub valid_until: Option<Date>,
    pub operating: bool,
}

/// A found lead before its id and status.
struct Found {
    unit_key: String,
    credit_code: String,
    unit: String,
    district: String,
    matter: Matter,
    basis: String,
    evidence: Vec<String>,
}

/// This month's leads.
pub fn build(
    permits: &[PermitLine],
    eia: Option<&Reconciliation>,
    problems: Option<&ProblemsFile>,
    previous: Option<&LeadsFile>,
    as_of: Date,
) -> LeadsFile {
    let mut found: BTreeMap<(String, Matter), Found> = BTreeMap::new();
    let mut add = |f: Found| {
        found
            .entry((f.unit_key.clone(), f.matter))
            .and_modify(|e| e.evidence.extend(f.evidence.iter().cloned()))
            .or_insert(f);
    };
    for p in permits {
        if let Some(v) = p.valid_until.filter(|v| *v < as_of && p.operating) {
            add(Found {
                unit_key: p.credit_code.to_string(),
                credit_code: p.credit_code.to_string(),
                unit: p.name.to_string(),
                district: p.district.to_string(),
                matter: Matter::ExpiredPermitDischarging,
                basis: "排污许可管理条例 第三十三条第（二）项".into(),
                evidence: vec![format!("许可证有效期至 {v}，单位建设状态为已投运")],
            });
        }
    }
    for r in eia.map_or(&[][..], |e| &e.rows) {
        if r.verdict != Verdict::NoPermitOperating {
            continue;
        }
        let a = &r.approval;
        let unit_key = if a.credit_code.is_empty() {
            format!("name:{}", normalize_name(&a.builder))
        } else {
            a.credit_code.clone()
        };
        add(Found {
            unit_key,
            credit_code: a.credit_code.clone(),
            unit: a.builder.clone(),
            district: a.region.clone(),
            matter: Matter::UnlicensedDischarge,
            basis: Verdict::NoPermitOperating.basis().into(),
            evidence: vec![format!(
                "环评批复 {}（{}）项目“{}”建设状态为{}，许可证库中无该单位",
                a.number,
                a.date.map(|d| d.to_string()).unwrap_or_default(),
                a.project,
                a.status.zh()
            )],
        });
    }
    for p in problems.map_or(&[][..], |p| &p.problems) {
        let matter = if p.rule == BEFORE_APPROVAL_RULE && p.status != Status::Closed {
            Matter::ConstructionBeforeApproval
        } else if p.status == Status::Overdue && p.severity == "error" {
            Matter::OverdueRectification
        } else {
            continue;
        };
        let evidence = match matter {
            Matter::OverdueRectification => format!(
                "{}（首次发现 {}，整改期限 {}）",
                p.message, p.first_seen, p.deadline
            ),
            _ => p.message.clone(),
        };
        add(Found {
            unit_key: p.credit_code.clone(),
            credit_code: p.credit_code.clone(),
            unit: p.unit.clone(),
            district: p.district.clone(),
            matter,
            basis: p.basis.clone(),
            evidence: vec![evidence],
        });
    }
    let prev: BTreeMap<&str, &Lead> = previous
        .map(|p| {
            p.leads
                .iter()
                .filter(|l| l.status != LeadStatus::Closed)
                .map(|l| (l.id.as_str(), l))
                .collect()
        })
        .unwrap_or_default();
    let mut leads: Vec<Lead> = found
        .into_values()
        .map(|mut f| {
            let id = lead_id(&f.unit_key, f.matter);
            let old = prev.get(id.as_str());
            f.evidence.sort();
            f.evidence.dedup();
            Lead {
                unit_key: f.unit_key,
                credit_code: f.credit_code,
                unit: f.unit,
                district: f.district,
                matter: f.matter,
                basis: f.basis,
                evidence: f.evidence.join("；"),
                first_pushed: old.map_or_else(|| as_of.to_string(), |l| l.first_pushed.clone()),
                status: if old.is_some() {
                    LeadStatus::Continuing
                } else {
                    LeadStatus::New
                },
                id,
            }
        })
        .collect();
    let current: std::collections::BTreeSet<String> = leads.iter().map(|l| l.id.clone()).collect();
    for (id, l) in prev {
        if !current.contains(id) {
            let mut l = l.clone();
            l.status = LeadStatus::Closed;
            // A unit that now holds a permit is placed in its district.
            if let Some(p) = permits
                .iter()
                .find(|p| !l.credit_code.is_empty() && p.credit_code == l.credit_code)
                && l.district.is_empty()
            {
                l.district = p.district.to_string();
            }
            leads.push(l);
        }
    }
    leads.sort_by(|a, b| {
        (&a.district, &a.unit_key, a.matter).cmp(&(&b.district, &b.unit_key, b.matter))
    });
    LeadsFile {
        version: VERSION,
        as_of: as_of.to_string(),
        leads,
    }
}

pub const LEADS_HEADER: [&str; 10] = [
    "线索编号",
    "单位名称",
    "统一社会信用代码",
    "行政区划",
    "涉嫌违法事项",
    "依据",
    "证据",
    "首次推送",
    "状态",
    "单位标识",
];

impl LeadsFile {
    pub fn parse(text: &str) -> Result<LeadsFile, String> {
        let f: LeadsFile = serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
        if f.version != VERSION {
            return Err(format!(
                "leads.json version {} is not supported (expected {VERSION})",
                f.version
            ));
        }
        Ok(f)
    }

    pub fn count(&self, s: LeadStatus) -> usize {
        self.leads.iter().filter(|l| l.status == s).count()
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .leads
            .iter()
            .map(|l| {
                vec![
                    l.id.clone(),
                    l.unit.clone(),
                    l.credit_code.clone(),
                    l.district.clone(),
                    l.matter.zh().to_string(),
                    l.basis.clone(),
                    l.evidence.clone(),
                    l.first_pushed.clone(),
                    l.status.zh().to_string(),
                    l.unit_key.clone(),
                ]
            })
            .collect();
        safe_document(&LEADS_HEADER, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = lead_id("91320507MA1AAAAA1X", Matter::UnlicensedDischarge);
        assert_eq!(
            a,
            lead_id("91320507MA1AAAAA1X", Matter::UnlicensedDischarge)
        );
        assert_ne!(
            a,
            lead_id("91320507MA1AAAAA1X", Matter::ConstructionBeforeApproval)
        );
        assert!(a.starts_with("XS-") && a.len() == 15, "{a}");
    }
}
