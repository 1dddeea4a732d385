//! Quantities with units, shared by the permit loader and the policy language.
//!
//! A dimension here is a *regulatory* dimension, not a physical one: an air
//! concentration (`mg/m3`) and a water concentration (`mg/L`) never compare,
//! and an annual quantity (`t/a`) never compares with an hourly rate (`kg/h`),
//! even though physics would allow a conversion. Units of one dimension
//! convert through a factor to the dimension's base unit.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// Mass concentration in flue gas or ambient air; base `mg/m3`.
    AirConcentration,
    /// Mass concentration in water; base `mg/L`.
    WaterConcentration,
    /// Emission or production rate by mass; base `kg/h`.
    MassRate,
    /// Annual quantity; base `t/a`.
    AnnualMass,
    /// Volume flow; base `m3/d`.
    VolumeRate,
    /// Thermal or electric power; base `MW`.
    Power,
    /// Length; base `m`.
    Length,
    /// Percentage; base `%`.
    Percent,
    /// Duration in days (date arithmetic); base `d`.
    Duration,
    /// Annual volume (capacities of water works, gas); base `m3/a`.
    AnnualVolume,
    /// Annual count of products (`件/a`, `台/a`); base `件/a`.
    AnnualCount,
    /// Ringelmann smoke blackness grade; base `级`.
    Ringelmann,
    /// A dimensionless figure (odour concentration); base `无量纲`.
    Dimensionless,
    /// Temperature (furnace minimum); base `℃`.
    Temperature,
}

impl Dim {
    /// Lower-case name used in messages and the JSON schema.
    pub fn name(self) -> &'static str {
        match self {
            Dim::AirConcentration => "air concentration",
            Dim::WaterConcentration => "water concentration",
            Dim::MassRate => "mass rate",
            Dim::AnnualMass => "annual quantity",
            Dim::VolumeRate => "volume flow",
            Dim::Power => "power",
            Dim::Length => "length",
            Dim::Percent => "percentage",
            Dim::Duration => "duration",
            Dim::AnnualVolume => "annual volume",
            Dim::AnnualCount => "annual count",
            Dim::Ringelmann => "Ringelmann grade",
            Dim::Dimensionless => "dimensionless figure",
            Dim::Temperature => "temperature",
        }
    }

    /// A unit to show in "expected a quantity such as ..." messages.
    pub fn example(self) -> &'static str {
        match self {
            Dim::AirConcentration => "35 mg/m3",
            Dim::WaterConcentration => "50 mg/L",
            Dim::MassRate => "1.2 kg/h",
            Dim::AnnualMass => "1200 t/a",
            Dim::VolumeRate => "20000 m3/d",
            Dim::Power => "14 MW",
            Dim::Length => "45 m",
            Dim::Percent => "0.8 %",
            Dim::Duration => "60 d",
            Dim::AnnualVolume => "365 万m3/a",
            Dim::AnnualCount => "5000 件/a",
            Dim::Ringelmann => "1 级",
            Dim::Dimensionless => "1000 无量纲",
            Dim::Temperature => "850 ℃",
        }
    }

    pub fn units(self) -> impl Iterator<Item = &'static Unit> {
        UNITS.iter().filter(move |u| u.dim == self)
    }
}

#[derive(Debug, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dim: Dim,
    /// Multiply a value in this unit by `factor` to get the base unit.
    pub factor: f64,
}

/// Every unit permitlint knows. The first unit of each dimension is its base.
pub static UNITS: &[Unit] = &[
    Unit {
        symbol: "mg/m3",
        dim: Dim::AirConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "g/m3",
        dim: Dim::AirConcentration,
        factor: 1000.0,
    },
    Unit {
        symbol: "mg/Nm3",
        dim: Dim::AirConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "mg/m³",
        dim: Dim::AirConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "mg/Nm³",
        dim: Dim::AirConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "毫克/立方米",
        dim: Dim::AirConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "μg/m3",
        dim: Dim::AirConcentration,
        factor: 0.001,
    },
    Unit {
        symbol: "µg/m3",
        dim: Dim::AirConcentration,
        factor: 0.001,
    },
    Unit {
        symbol: "ng/m3",
        dim: Dim::AirConcentration,
        factor: 0.000001,
    },
    Unit {
        symbol: "ngTEQ/m3",
        dim: Dim::AirConcentration,
        factor: 0.000001,
    },
    Unit {
        symbol: "ngTEQ/Nm3",
        dim: Dim::AirConcentration,
        factor: 0.000001,
    },
    Unit {
        symbol: "ug/m3",
        dim: Dim::AirConcentration,
        factor: 0.001,
    },
    Unit {
        symbol: "mg/L",
        dim: Dim::WaterConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "g/L",
        dim: Dim::WaterConcentration,
        factor: 1000.0,
    },
    Unit {
        symbol: "mg/l",
        dim: Dim::WaterConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "毫克/升",
        dim: Dim::WaterConcentration,
        factor: 1.0,
    },
    Unit {
        symbol: "ug/L",
        dim: Dim::WaterConcentration,
        factor: 0.001,
    },
    Unit {
        symbol: "kg/h",
        dim: Dim::MassRate,
        factor: 1.0,
    },
    Unit {
        symbol: "t/h",
        dim: Dim::MassRate,
        factor: 1000.0,
    },
    Unit {
        symbol: "kg/d",
        dim: Dim::MassRate,
        factor: 1.0 / 24.0,
    },
    Unit {
        symbol: "t/d",
        dim: Dim::MassRate,
        factor: 1000.0 / 24.0,
    },
    Unit {
        symbol: "t/a",
        dim: Dim::AnnualMass,
        factor: 1.0,
    },
    Unit {
        symbol: "kg/a",
        dim: Dim::AnnualMass,
        factor: 0.001,
    },
    Unit {
        symbol: "万t/a",
        dim: Dim::AnnualMass,
        factor: 10000.0,
    },
    Unit {
        symbol: "吨/年",
        dim: Dim::AnnualMass,
        factor: 1.0,
    },
    Unit {
        symbol: "万吨/年",
        dim: Dim::AnnualMass,
        factor: 10000.0,
    },
    Unit {
        symbol: "m3/d",
        dim: Dim::VolumeRate,
        factor: 1.0,
    },
    Unit {
        symbol: "m3/h",
        dim: Dim::VolumeRate,
        factor: 24.0,
    },
    Unit {
        symbol: "MW",
        dim: Dim::Power,
        factor: 1.0,
    },
    Unit {
        symbol: "kW",
        dim: Dim::Power,
        factor: 0.001,
    },
    Unit {
        symbol: "m",
        dim: Dim::Length,
        factor: 1.0,
    },
    Unit {
        symbol: "%",
        dim: Dim::Percent,
        factor: 1.0,
    },
    Unit {
        symbol: "d",
        dim: Dim::Duration,
        factor: 1.0,
    },
    Unit {
        symbol: "m3/a",
        dim: Dim::AnnualVolume,
        factor: 1.0,
    },
    Unit {
        symbol: "万m3/a",
        dim: Dim::AnnualVolume,
        factor: 10000.0,
    },
    Unit {
        symbol: "件/a",
        dim: Dim::AnnualCount,
        factor: 1.0,
    },
    Unit {
        symbol: "台/a",
        dim: Dim::AnnualCount,
        factor: 1.0,
    },
    Unit {
        symbol: "套/a",
        dim: Dim::AnnualCount,
        factor: 1.0,
    },
    Unit {
        symbol: "辆/a",
        dim: Dim::AnnualCount,
        factor: 1.0,
    },
    Unit {
        symbol: "级",
        dim: Dim::Ringelmann,
        factor: 1.0,
    },
    Unit {
        symbol: "无量纲",
        dim: Dim::Dimensionless,
        factor: 1.0,
    },
    Unit {
        symbol: "℃",
        dim: Dim::Temperature,
        factor: 1.0,
    },
    Unit {
        symbol: "°C",
        dim: Dim::Temperature,
        factor: 1.0,
    },
];

pub fn unit(symbol: &str) -> Option<&'static Unit> {
    UNITS.iter().find(|u| u.symbol == symbol)
}

/// The closest known unit symbol, for did-you-mean help.
pub fn suggest_unit(symbol: &str) -> Option<&'static str> {
    let lower = symbol.to_ascii_lowercase();
    // Common spellings first: ³, µ, "Nm3", upper-case L.
    let normalised = lower
        .replace('³', "3")
        .replace(['µ', 'μ'], "u")
        .replace("nm3", "m3");
    UNITS
        .iter()
        .map(|u| {
            (
                strsim::levenshtein(&normalised, &u.symbol.to_ascii_lowercase()),
                u.symbol,
            )
        })
        // At most 2 edits, and fewer than half the symbol (`吨/年` is not `g/L`).
        .filter(|(d, s)| *d <= 2 && d * 2 < s.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s)
}

/// A number with a unit. `value` is in `unit`; compare through [`Quantity::base`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: &'static Unit,
}

impl Quantity {
    pub fn base(&self) -> f64 {
        self.value * self.unit.factor
    }
    pub fn dim(&self) -> Dim {
        self.unit.dim
    }
    pub fn from_base(base: f64, unit: &'static Unit) -> Quantity {
        Quantity {
            value: base / unit.factor,
            unit,
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_number(self.value), self.unit.symbol)
    }
}

/// Shortest faithful decimal form: `150`, `0.03`, `1.5`.
pub fn format_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v}");
        s
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuantityError {
    /// No unit after the number: `35`.
    MissingUnit,
    /// Not a number at all: `abc mg/m3`.
    BadNumber,
    /// A unit permitlint does not know, with a suggestion.
    UnknownUnit {
        unit: String,
        suggestion: Option<&'static str>,
    },
}

/// Parse `"<number> <unit>"`. One space (or none) between number and unit.
///
/// ```
/// use permitlint::units::parse_quantity;
/// let q = parse_quantity("0.035 g/m3").unwrap();
/// assert_eq!(q.base(), parse_quantity("35 mg/m3").unwrap().base());
/// assert_eq!(parse_quantity("35 mg/Nm3").unwrap().base(), 35.0);
/// assert!(parse_quantity("35 mg/m^3").is_err());
/// ```
pub fn parse_quantity(text: &str) -> Result<Quantity, QuantityError> {
    let t = text.trim();
    let split = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && i == 0)
                || c == 'e'
                    && i > 0
                    && t[..i].bytes().any(|b| b.is_ascii_digit())
                    && t[i + 1..].starts_with(|n: char| n.is_ascii_digit() || n == '-'))
        })
        .map_or(t.len(), |(i, _)| i);
    let (num, rest) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| QuantityError::BadNumber)?;
    if !value.is_finite() {
        return Err(QuantityError::BadNumber);
    }
    let sym = rest.trim_start();
    if sym.is_empty() {
        return Err(QuantityError::MissingUnit);
    }
    match unit(sym) {
        Some(unit) => Ok(Quantity { value, unit }),
        None => Err(QuantityError::UnknownUnit {
            unit: sym.to_string(),
            suggestion: suggest_unit(sym),
        }),
    }
}

/// A closed numeric range such as a pH of `6-9`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    /// Parse `6-9` or `6~9` (also `6–9`).
    pub fn parse(text: &str) -> Option<Range> {
        let t = text.trim();
        let (a, b) = t
            .split_once('-')
            .or_else(|| t.split_once('~'))
            .or_else(|| t.split_once('–'))?;
        let lo: f64 = a.trim().parse().ok()?;
        let hi: f64 = b.trim().parse().ok()?;
        (lo.is_finite() && hi.is_finite() && lo <= hi).then_some(Range { lo, hi })
    }
    pub fn contains_range(&self, inner: &Range) -> bool {
        self.lo <= inner.lo && inner.hi <= self.hi
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", format_number(self.lo), format_number(self.hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_converts() {
        let a = parse_quantity("0.035 g/m3").unwrap();
        let b = parse_quantity("35 mg/m3").unwrap();
        assert!((a.base() - b.base()).abs() < 1e-9);
        let t = parse_quantity("1200 t/a").unwrap();
        let k = parse_quantity("1200000 kg/a").unwrap();
        assert!((t.base() - k.base()).abs() < 1e-9);
        assert_eq!(b.to_string(), "35 mg/m3");
        assert_eq!(parse_quantity("1e3 m3/d").unwrap().value, 1000.0);
        assert_eq!(parse_quantity("-5 %").unwrap().value, -5.0);
    }

    #[test]
    fn platform_spellings_are_the_same_units() {
        // The national platform prints `mg/Nm3` and `mg/m³` for the same
        // (standard-state, dry) air concentration as `mg/m3`.
        for s in ["35 mg/Nm3", "35 mg/m³", "35 mg/Nm³", "35 mg/m3"] {
            let q = parse_quantity(s).unwrap();
            assert_eq!(q.dim(), Dim::AirConcentration, "{s}");
            assert_eq!(q.base(), 35.0, "{s}");
        }
        assert_eq!(parse_quantity("0.1 ngTEQ/m3").unwrap().base(), 1e-7);
        assert_eq!(parse_quantity("50 万m3/a").unwrap().base(), 500_000.0);
        assert_eq!(parse_quantity("3000 件/a").unwrap().dim(), Dim::AnnualCount);
        assert_eq!(parse_quantity("1 级").unwrap().dim(), Dim::Ringelmann);
        assert_eq!(
            parse_quantity("1000 无量纲").unwrap().dim(),
            Dim::Dimensionless
        );
        assert_eq!(parse_quantity("850 ℃").unwrap().dim(), Dim::Temperature);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse_quantity("35"), Err(QuantityError::MissingUnit));
        assert_eq!(parse_quantity("abc mg/m3"), Err(QuantityError::BadNumber));
        assert_eq!(
            parse_quantity("35 mg/M3"),
            Err(QuantityError::UnknownUnit {
                unit: "mg/M3".into(),
                suggestion: Some("mg/m3")
            })
        );
    }

    #[test]
    fn suggestions_must_be_close() {
        assert_eq!(suggest_unit("克拉/日"), None);
        assert_eq!(parse_quantity("1200 吨/年").unwrap().unit.symbol, "吨/年");
        assert_eq!(suggest_unit("kg/hr"), Some("kg/h"));
        assert_eq!(suggest_unit("MG/M3"), Some("mg/m3"));
    }

    #[test]
    fn ranges() {
        assert_eq!(Range::parse("6-9"), Some(Range { lo: 6.0, hi: 9.0 }));
        assert_eq!(Range::parse("9-6"), None);
        assert!(
            Range::parse("6-9")
                .unwrap()
                .contains_range(&Range::parse("6.5-8").unwrap())
        );
    }
}
