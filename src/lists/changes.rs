//! Changes since the previous run: units that moved between lists, appeared
//! or disappeared, and the action each needs under the 排污许可管理条例:
//! change (变更, art. 14), renewal (延续, art. 14), re-application (重新申请,
//! art. 15), cancellation (注销) and reclassification (roster vs category).

use super::{ListsFile, OutletRecord, UnitRecord, VERSION, category_zh, csv, rank};
use crate::date::Date;
use serde::Serialize;
use std::collections::BTreeSet;

/// Days before expiry from which renewal is due (条例 art. 14 para. 2).
pub const RENEWAL_DAYS: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Appeared,
    Disappeared,
    Moved,
    Unchanged,
}

impl Movement {
    pub fn zh(self) -> &'static str {
        match self {
            Movement::Appeared => "新增",
            Movement::Disappeared => "消失",
            Movement::Moved => "调整名单",
            Movement::Unchanged => "名单未变",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Change,
    Renewal,
    Reapplication,
    Cancellation,
    Reclassification,
}

impl ActionKind {
    pub fn zh(self) -> &'static str {
        match self {
            ActionKind::Change => "变更",
            ActionKind::Renewal => "延续",
            ActionKind::Reapplication => "重新申请",
            ActionKind::Cancellation => "注销",
            ActionKind::Reclassification => "重新核定管理类别",
        }
    }
    /// The article that requires the action, or nothing. Articles read in
    /// the regulation's text [text] (docs/research/standards-notes.md Q6): art. 14
    /// ¶2 renewal, art. 14 ¶3 change of name or address, art. 15
    /// re-application. The 条例 has no article on cancellation (注销 appears
    /// only among the penalties of art. 33), so a cancellation cites none.
    pub fn basis(self) -> &'static str {
        match self {
            ActionKind::Change => "排污许可管理条例 第十四条第三款",
            ActionKind::Renewal => "排污许可管理条例 第十四条第二款",
            ActionKind::Reapplication => "排污许可管理条例 第十五条",
            ActionKind::Cancellation => "",
            ActionKind::Reclassification => {
                "固定污染源排污许可分类管理名录（2019年版）第七条、第109项（列入重点排污单位名录）"
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub action: ActionKind,
    pub zh: &'static str,
    pub basis: &'static str,
    /// What triggered it, one item per reason.
    pub details: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitChange {
    pub credit_code: String,
    pub name: String,
    pub permit_number: String,
    pub movement: Movement,
    /// List in the previous run (`None` when the unit appeared).
    pub from: Option<String>,
    /// List in this run (`None` when the unit disappeared).
    pub to: Option<String>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changes {
    pub version: u32,
    pub as_of: String,
    pub previous_as_of: String,
    /// Units that moved, appeared, disappeared or need an action, by credit code.
    pub units: Vec<UnitChange>,
}

fn action(kind: ActionKind, details: Vec<String>) -> Action {
    Action {
        action: kind,
        zh: kind.zh(),
        basis: kind.basis(),
        details,
    }
}

fn renewal(u: &UnitRecord, as_of: Date) -> Option<Action> {
    let until = Date::parse(u.valid_until.as_deref()?)?;
    let left = until.days() - as_of.days();
    let detail = if left < 0 {
        format!("有效期已于 {until} 届满（{} 日前）", -left)
    } else if left <= RENEWAL_DAYS {
        format!("有效期 {until} 届满，距 {as_of} 仅 {left} 日（应于届满60日前申请延续）")
    } else {
        return None;
    };
    Some(action(ActionKind::Renewal, vec![detail]))
}

fn change(old: &UnitRecord, new: &UnitRecord) -> Option<Action> {
    let mut d = Vec::new();
    if old.name != new.name {
        d.push(format!("单位名称：{} → {}", old.name, new.name));
    }
    if old.address != new.address {
        d.push(format!(
            "生产经营场所地址：{} → {}",
            old.address, new.address
        ));
    }
    (!d.is_empty()).then(|| action(ActionKind::Change, d))
}

fn higher(old: Option<f64>, new: Option<f64>) -> bool {
    matches!((old, new), (Some(o), Some(n)) if n > o * (1.0 + 1e-9))
}

fn compare_outlets(old: &[OutletRecord], new: &[OutletRecord], d: &mut Vec<String>) {
    for o in new {
        let Some(prev) = old.iter().find(|p| p.id == o.id) else {
            continue;
        };
        for p in &o.pollutants {
            let Some(pp) = prev.pollutants.iter().find(|x| x.pollutant == p.pollutant) else {
                d.push(format!("{} 新增污染物 {}", o.id, p.pollutant));
                continue;
            };
            if higher(pp.concentration_base, p.concentration_base) {
                d.push(format!(
                    "{} {} 许可排放浓度提高：{} → {}",
                    o.id,
                    p.pollutant,
                    pp.concentration.as_deref().unwrap_or(""),
                    p.concentration.as_deref().unwrap_or("")
                ));
            }
            if higher(pp.annual_base, p.annual_base) {
                d.push(format!(
                    "{} {} 许可排放量提高：{} → {}",
                    o.id,
                    p.pollutant,
                    pp.annual.as_deref().unwrap_or(""),
                    p.annual.as_deref().unwrap_or("")
                ));
            }
        }
    }
}

fn reapplication(old: &UnitRecord, new: &UnitRecord) -> Option<Action> {
    let mut d = Vec::new();
    if new.outlets.len() > old.outlets.len() {
        let before: BTreeSet<&str> = old.outlets.iter().map(|o| o.id.as_str()).collect();
        let added: Vec<&str> = new
            .outlets
            .iter()
            .map(|o| o.id.as_str())
            .filter(|id| !before.contains(id))
            .collect();
        d.push(format!(
            "排放口由 {} 个增至 {} 个（新增 {}）",
            old.outlets.len(),
            new.outlets.len(),
            added.join("、")
        ));
    }
    compare_outlets(&old.outlets, &new.outlets, &mut d);
    compare_outlets(&old.totals, &new.totals, &mut d);
    (!d.is_empty()).then(|| action(ActionKind::Reapplication, d))
}

fn reclassification(u: &UnitRecord, old: Option<&UnitRecord>) -> Option<Action> {
    if u.roster.is_empty() {
        return None;
    }
    let held = u.declared.as_deref()?;
    if rank(held)? >= rank("key")? {
        return None;
    }
    let newly = old.is_some_and(|o| o.roster.is_empty());
    Some(action(
        ActionKind::Reclassification,
        vec![format!(
            "{}列入重点排污单位名录（{}），许可证为{}",
            if newly { "本期新" } else { "已" },
            u.roster.join("、"),
            category_zh(held)
        )],
    ))
}

/// Compare two runs. Units are matched by credit code.
pub fn compare(previous: &ListsFile, current: &ListsFile, as_of: Date) -> Changes {
    let codes: BTreeSet<&str> = previous
        .units
        .iter()
        .chain(&current.units)
        .map(|u| u.credit_code.as_str())
        .collect();
    let mut units = Vec::new();
    for code in codes {
        let old = previous.unit(code);
        let new = current.unit(code);
        let (movement, actions, base) = match (old, new) {
            (Some(o), None) => (
                Movement::Disappeared,
                vec![action(
                    ActionKind::Cancellation,
                    vec![format!("许可证 {} 已不在本期许可证库中", o.permit_number)],
                )],
                o,
            ),
            (old, Some(n)) => {
                let movement = match old {
                    None => Movement::Appeared,
                    Some(o) if o.required != n.required => Movement::Moved,
                    Some(_) => Movement::Unchanged,
                };
                let mut actions = Vec::new();
                if let Some(o) = old {
                    actions.extend(change(o, n));
                }
                actions.extend(renewal(n, as_of));
                if let Some(o) = old {
                    actions.extend(reapplication(o, n));
                }
                actions.extend(reclassification(n, old));
                (movement, actions, n)
            }
            (None, None) => continue,
        };
        if movement == Movement::Unchanged && actions.is_empty() {
            continue;
        }
        units.push(UnitChange {
            credit_code: code.to_string(),
            name: base.name.clone(),
            permit_number: base.permit_number.clone(),
            movement,
            from: old.and_then(|o| o.required.clone()),
            to: new.and_then(|n| n.required.clone()),
            actions,
        });
    }
    Changes {
        version: VERSION,
        as_of: as_of.to_string(),
        previous_as_of: previous.as_of.clone(),
        units,
    }
}

pub const CHANGES_HEADER: [&str; 9] = [
    "单位名称",
    "统一社会信用代码",
    "许可证编号",
    "名单变化",
    "原名单",
    "现名单",
    "须办理",
    "依据",
    "说明",
];

impl Changes {
    /// One row per unit and action (a unit without action gets one row).
    pub fn csv(&self) -> String {
        let mut rows = Vec::new();
        for u in &self.units {
            let list = |c: &Option<String>| c.as_deref().map(category_zh).unwrap_or("").to_string();
            let base = vec![
                u.name.clone(),
                u.credit_code.clone(),
                u.permit_number.clone(),
                u.movement.zh().to_string(),
                list(&u.from),
                list(&u.to),
            ];
            if u.actions.is_empty() {
                let mut r = base.clone();
                r.extend([String::new(), String::new(), String::new()]);
                rows.push(r);
            }
            for a in &u.actions {
                let mut r = base.clone();
                r.extend([a.zh.to_string(), a.basis.to_string(), a.details.join("；")]);
                rows.push(r);
            }
        }
        csv::document(&CHANGES_HEADER, &[], &rows)
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
