//! What a column of the platform's tables means, and how a cell's text
//! becomes a value of the permit format.

use crate::catalogue::text::fold;
use crate::units;

/// The meaning of a column, from its header (all header rows joined).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Id,
    Name,
    Pollutant,
    /// 许可排放小时浓度限值.
    Hourly,
    /// 许可排放日均浓度限值.
    Daily,
    /// 许可排放浓度限值 (one concentration column, water tables).
    Concentration,
    Rate,
    /// 许可年排放量限值 第N年 (1-5); a single annual column is year 1.
    Year(u8),
    Committed,
    OutletType,
    Height,
    Diameter,
    Lon,
    Lat,
    Standard,
    Destination,
    Receiving,
    ReceivingClass,
    /// 污染物类型 of the 特殊情况 tables (主要排放口/一般排放口/全厂合计).
    Group,
    Period,
    DailyQuantity,
    MonthlyQuantity,
    /// A label column such as 全厂有组织排放总计 (the row's name, no value).
    Label,
    /// A serial number, dropped without a word.
    Serial,
    /// A column the platform prints that the format has no field for.
    NotInFormat(&'static str),
    Unknown,
}

/// Classify a header. Order matters: the most specific phrases first.
pub fn classify(header: &str) -> Col {
    let h = fold(header);
    let has = |s: &str| h.contains(&fold(s));
    for (n, y) in ["第一年", "第二年", "第三年", "第四年", "第五年"]
        .iter()
        .enumerate()
    {
        if has(y) {
            return Col::Year(n as u8 + 1);
        }
    }
    if has("承诺") {
        return Col::Committed;
    }
    if has("小时浓度") {
        return Col::Hourly;
    }
    if has("日均浓度") {
        return Col::Daily;
    }
    if has("标准") && (has("浓度限值") || has("速率限值")) {
        return Col::NotInFormat("执行标准自身的限值（许可限值见许可排放限值表）");
    }
    if has("执行标准") || has("排放标准") || has("标准名称") {
        return Col::Standard;
    }
    if has("速率") {
        return Col::Rate;
    }
    if has("浓度限值") || has("许可排放浓度") {
        return Col::Concentration;
    }
    if has("年排放量") {
        return Col::Year(1);
    }
    if has("日排放量") {
        return Col::DailyQuantity;
    }
    if has("月排放量") {
        return Col::MonthlyQuantity;
    }
    if has("排放时段") {
        return Col::Period;
    }
    if has("污染物类型") {
        return Col::Group;
    }
    if has("污染物种类") || has("污染物名称") || h == fold("污染物") || has("污染因子")
    {
        return Col::Pollutant;
    }
    if has("排放口类型") {
        return Col::OutletType;
    }
    if has("功能目标") || has("功能区类别") || has("水质类别") {
        return Col::ReceivingClass;
    }
    if has("排放去向") {
        return Col::Destination;
    }
    if (has("受纳") || has("污水处理厂")) && (has("名称") || has("受纳水体")) {
        return Col::Receiving;
    }
    if has("排放口编号") || h == "编号" || has("排污口编号") {
        return Col::Id;
    }
    if has("排放口名称") || h == fold("名称") || has("排污口名称") {
        return Col::Name;
    }
    if has("经度") {
        return Col::Lon;
    }
    if has("纬度") {
        return Col::Lat;
    }
    if has("高度") {
        return Col::Height;
    }
    if has("内径") {
        return Col::Diameter;
    }
    if has("总计") || has("合计") {
        return Col::Label;
    }
    if h == fold("序号") {
        return Col::Serial;
    }
    if has("排气温度") || has("烟气温度") {
        return Col::NotInFormat("格式没有排气温度字段");
    }
    if has("排放规律") || has("间歇排放时段") {
        return Col::NotInFormat("格式没有排放规律字段");
    }
    if has("其他信息") || has("备注") {
        return Col::NotInFormat("备注为自由文字，格式没有对应字段");
    }
    if has("环境影响评价") || has("环评") {
        return Col::NotInFormat("环评批复要求在 eia 记录中填写");
    }
    if has("地理坐标") {
        return Col::NotInFormat("坐标须分经度、纬度两列");
    }
    Col::Unknown
}

/// True for the texts the platform prints for "nothing here".
pub fn is_not_set(s: &str) -> bool {
    let t = s.trim();
    matches!(
        t,
        "" | "/" | "／" | "-" | "－" | "--" | "—" | "——" | "无" | "\\" | "null" | "NULL"
    )
}

/// A cell read as a number and what followed it.
#[derive(Debug, PartialEq)]
pub enum Cell {
    /// Not set: empty, `/`, `-`, `—`, or a bare unit (`mg/Nm3`, `/mg/Nm3`).
    Empty,
    /// A number with a unit the format knows (`150 mg/Nm3`).
    Qty { num: String, unit: &'static str },
    /// A number alone (`50`, `0.9`).
    Bare(String),
    /// A range (`6-9`).
    Range(String),
    /// Text that is not a value.
    Bad(String),
}

/// Read a value cell. `≤` and `<` before the number are dropped (a limit is a
/// maximum anyway); `≥` is kept out, a minimum needs `bound: min`.
pub fn read_cell(raw: &str) -> Cell {
    let t = raw.trim();
    if is_not_set(t) {
        return Cell::Empty;
    }
    // `/mg/Nm3`, `mg/Nm3`: the platform prints the unit of an empty cell.
    let unitless = t.trim_start_matches(['/', '／', '-', '—']).trim();
    if unitless.is_empty()
        || (!unitless.starts_with(|c: char| c.is_ascii_digit()) && unit_of(unitless).is_some())
    {
        return Cell::Empty;
    }
    let t = t
        .trim_start_matches(['≤', '＜', '<', '='])
        .trim_start_matches("<=")
        .trim();
    let split = t
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map_or(t.len(), |(i, _)| i);
    let (num, rest) = t.split_at(split);
    if num.is_empty() || num.parse::<f64>().is_err() {
        return Cell::Bad(raw.trim().to_string());
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Cell::Bare(num.to_string());
    }
    if let Some(hi) = rest.strip_prefix(['-', '~', '～', '–']) {
        let hi = hi.trim();
        if !hi.is_empty() && hi.parse::<f64>().is_ok() {
            return Cell::Range(format!("{num}-{hi}"));
        }
    }
    match unit_of(rest) {
        Some(unit) => Cell::Qty {
            num: num.to_string(),
            unit,
        },
        None => Cell::Bad(raw.trim().to_string()),
    }
}

/// The format's symbol for a unit as the platform prints it.
pub fn unit_of(s: &str) -> Option<&'static str> {
    let s = s.trim();
    let s = match s {
        "mg/Nm³" | "mg/m³" | "mg/Nm3" | "mg/m3" => "mg/Nm3",
        "吨/年" => "t/a",
        "千克/小时" => "kg/h",
        "级" | "林格曼级" => "级",
        "℃" | "°C" => "℃",
        _ => s,
    };
    units::unit(s).map(|u| u.symbol)
}

/// The unit a header names in brackets: `许可排放浓度限值(mg/L)` → `mg/L`.
pub fn header_unit(header: &str) -> Option<&'static str> {
    let h = header.replace('（', "(").replace('）', ")");
    let open = h.rfind('(')?;
    let close = h[open..].find(')')? + open;
    unit_of(&h[open + 1..close])
}

/// A coordinate in decimal degrees or degrees-minutes-seconds
/// (`106°12'30.5"`, `106度12分30.5秒`) as decimal degrees.
pub fn coordinate(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Ok(v) = t.parse::<f64>() {
        return Some(v);
    }
    let parts: Vec<f64> = t
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match parts.as_slice() {
        [d, m, s] if *m < 60.0 && *s < 60.0 => Some(d + m / 60.0 + s / 3600.0),
        [d, m] if *m < 60.0 => Some(d + m / 60.0),
        _ => None,
    }
}

/// Dates as the platform prints them: `2020-01-01`, `2020/1/1`,
/// `2020年01月01日`; every date found in the text, in order.
pub fn dates(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let nums: Vec<(usize, u32)> = {
        let mut v = Vec::new();
        let mut cur = String::new();
        let mut start = 0;
        for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            if c.is_ascii_digit() {
                if cur.is_empty() {
                    start = i;
                }
                cur.push(c);
            } else if !cur.is_empty() {
                if let Ok(n) = cur.parse() {
                    v.push((start, n));
                }
                cur.clear();
            }
        }
        v
    };
    let mut i = 0;
    while i + 2 < nums.len() {
        let (y, m, d) = (nums[i].1, nums[i + 1].1, nums[i + 2].1);
        if (1900..2200).contains(&y)
            && let (Ok(m8), Ok(d8)) = (u8::try_from(m), u8::try_from(d))
            && crate::date::Date::new(y as i32, m8, d8).is_some()
        {
            out.push(format!("{y:04}-{m:02}-{d:02}"));
            i += 3;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(classify("许可排放小时浓度限值"), Col::Hourly);
        assert_eq!(classify("许可年排放量限值(t/a) 第三年"), Col::Year(3));
        assert_eq!(classify("许可排放速率限值(kg/h)"), Col::Rate);
        assert_eq!(classify("承诺更加严格排放浓度限值"), Col::Committed);
        assert_eq!(classify("许可排放浓度限值(mg/L)"), Col::Concentration);
        assert_eq!(classify("国家或地方污染物排放标准 名称"), Col::Standard);
        assert!(matches!(
            classify("国家或地方污染物排放标准 浓度限值"),
            Col::NotInFormat(_)
        ));
        assert_eq!(classify("排放口编号"), Col::Id);
        assert_eq!(classify("受纳自然水体信息 名称"), Col::Receiving);
        assert_eq!(classify("颜色"), Col::Unknown);
    }

    #[test]
    fn cells() {
        assert_eq!(
            read_cell("150mg/Nm3"),
            Cell::Qty {
                num: "150".into(),
                unit: "mg/Nm3"
            }
        );
        assert_eq!(read_cell("mg/Nm3"), Cell::Empty);
        assert_eq!(read_cell("/mg/Nm3"), Cell::Empty);
        assert_eq!(read_cell("—"), Cell::Empty);
        assert_eq!(
            read_cell("1级"),
            Cell::Qty {
                num: "1".into(),
                unit: "级"
            }
        );
        assert_eq!(read_cell("1000"), Cell::Bare("1000".into()));
        assert_eq!(read_cell("6-9"), Cell::Range("6-9".into()));
        assert_eq!(
            read_cell("≤50 mg/L"),
            Cell::Qty {
                num: "50".into(),
                unit: "mg/L"
            }
        );
        assert_eq!(read_cell("约五十"), Cell::Bad("约五十".into()));
        assert_eq!(read_cell("150 mg/m^3"), Cell::Bad("150 mg/m^3".into()));
    }

    #[test]
    fn units_dates_coordinates() {
        assert_eq!(header_unit("许可排放浓度限值(mg/L)"), Some("mg/L"));
        assert_eq!(header_unit("许可排放浓度限值（mg/Nm³）"), Some("mg/Nm3"));
        assert_eq!(header_unit("排放口名称"), None);
        assert_eq!(
            dates("自2021年03月01日起至2026年02月28日止"),
            ["2021-03-01", "2026-02-28"]
        );
        assert_eq!(dates("2021/3/1"), ["2021-03-01"]);
        assert!(dates("2021年02月30日").is_empty());
        let v = coordinate("106°30'0\"").unwrap_or(0.0);
        assert!((v - 106.5).abs() < 1e-9);
    }
}
