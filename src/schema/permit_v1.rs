//! The one schema of the permit format `permit/v1`, as static data.
//!
//! Every key of the reference permit (`tests/fixtures/permits/reference.yaml`)
//! is here with its Chinese label (the official term) and an English
//! description. This table drives document validation
//! (`permit::validate`), the JSON Schema export (`schema::json_schema`) and
//! `docs/permit-format.md` (`schema::markdown`).
//!
//! Project additions (not in the reference permit, all optional):
//! `facilities.production[].reductant`, `.furnace`, `.eia_approved`;
//! `water.outlets[].receiving_plant`; `water.outlets[].pollutants[].low_temperature`.

use super::types::{CodeKind, EnumDef, EnumValue, Field, RecordDef, RefTarget, Ty};
use crate::catalogue::Medium;
use crate::units::Dim;

const fn req(name: &'static str, ty: Ty, zh: &'static str, en: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        nullable: false,
        zh,
        en,
        since: 1,
    }
}
const fn opt(name: &'static str, ty: Ty, zh: &'static str, en: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        nullable: false,
        zh,
        en,
        since: 1,
    }
}
/// A field introduced by `permit/v2`.
const fn v2(f: Field) -> Field {
    Field { since: 2, ..f }
}
const fn ev(name: &'static str, zh: &'static str) -> EnumValue {
    EnumValue { name, zh }
}

/// Keys added by this project (documented in `docs/permit-format.md`).
pub const PROJECT_ADDITIONS: &[&str] = &[
    "facilities.production[].reductant",
    "facilities.production[].furnace",
    "facilities.production[].eia_approved",
    "water.outlets[].receiving_plant",
    "water.outlets[].pollutants[].low_temperature",
];

// ---------------------------------------------------------------- enumerations

pub static MANAGEMENT: EnumDef = EnumDef {
    name: "management",
    values: &[
        ev("registration", "登记管理"),
        ev("simplified", "简化管理"),
        ev("key", "重点管理"),
    ],
    ordered: true,
};
pub static FREQUENCY: EnumDef = EnumDef {
    name: "frequency",
    values: &[
        ev("annual", "每年"),
        ev("semiannual", "每半年"),
        ev("quarterly", "每季度"),
        ev("monthly", "每月"),
        ev("weekly", "每周"),
        ev("daily", "每日"),
        ev("continuous", "自动连续监测"),
    ],
    ordered: true,
};
pub static FACILITY_KIND: EnumDef = EnumDef {
    name: "facility_kind",
    values: &[
        ev("coal_boiler", "燃煤锅炉"),
        ev("gas_boiler", "燃气锅炉"),
        ev("oil_boiler", "燃油锅炉"),
        ev("biomass_boiler", "生物质锅炉"),
        ev("gas_turbine", "燃气轮机组"),
        ev("cement_kiln", "水泥窑"),
        ev("sinter_machine", "烧结机"),
        ev("blast_furnace", "高炉"),
        ev("coke_oven", "焦炉"),
        ev("clinker_cooler", "熟料冷却机"),
        ev("waste_heat_boiler", "余热锅炉"),
        ev("incinerator", "焚烧炉"),
        ev("industrial_furnace", "工业炉窑"),
        ev("heating_furnace", "加热炉"),
        ev("melting_furnace", "熔炼炉"),
        ev("lime_kiln", "石灰窑"),
        ev("carbide_furnace", "电石炉"),
        ev("other", "其他"),
    ],
    ordered: false,
};
pub static FUEL: EnumDef = EnumDef {
    name: "fuel",
    values: &[
        ev("coal", "煤"),
        ev("coal_gangue", "煤矸石"),
        ev("briquette", "型煤"),
        ev("petroleum_coke", "石油焦"),
        ev("biomass_briquette", "生物质成型燃料"),
        ev("biomass", "生物质"),
        ev("oil", "燃料油"),
        ev("natural_gas", "天然气"),
        ev("blast_furnace_gas", "高炉煤气"),
        ev("coke_oven_gas", "焦炉煤气"),
        ev("converter_gas", "转炉煤气"),
        ev("other", "其他"),
    ],
    ordered: false,
};
pub static LIMIT_BOUND: EnumDef = EnumDef {
    name: "limit_bound",
    values: &[ev("max", "上限"), ev("min", "下限")],
    ordered: false,
};
pub static CONCENTRATION_BASIS: EnumDef = EnumDef {
    name: "concentration_basis",
    values: &[ev("corrected", "折算浓度"), ev("measured", "实测浓度")],
    ordered: false,
};
pub static WATER_OUTLET_TYPE: EnumDef = EnumDef {
    name: "water_outlet_type",
    values: &[
        ev("main", "主要排放口"),
        ev("general", "一般排放口"),
        ev("rainwater", "雨水排放口"),
    ],
    ordered: false,
};
pub static POINT_KIND: EnumDef = EnumDef {
    name: "point_kind",
    values: &[
        ev("boundary", "厂界"),
        ev("workshop", "车间或生产设施排放口"),
        ev("ambient", "周边环境"),
        ev("groundwater", "地下水"),
        ev("soil", "土壤"),
    ],
    ordered: false,
};
pub static DISCHARGE: EnumDef = EnumDef {
    name: "discharge",
    values: &[ev("direct", "直接排放"), ev("indirect", "间接排放")],
    ordered: false,
};
pub static OUTLET_TYPE: EnumDef = EnumDef {
    name: "outlet_type",
    values: &[ev("main", "主要排放口"), ev("general", "一般排放口")],
    ordered: false,
};
pub static APPLICATION: EnumDef = EnumDef {
    name: "application",
    values: &[
        ev("first", "首次申请"),
        ev("renewal", "延续"),
        ev("change", "变更"),
        ev("reapply", "重新申请"),
    ],
    ordered: false,
};
pub static CONSTRUCTION_STATUS: EnumDef = EnumDef {
    name: "construction_status",
    values: &[
        ev("operating", "已投运"),
        ev("under_construction", "在建"),
        ev("planned", "拟建"),
    ],
    ordered: false,
};
pub static MATERIAL_KIND: EnumDef = EnumDef {
    name: "material_kind",
    values: &[
        ev("fuel", "燃料"),
        ev("raw", "原料"),
        ev("auxiliary", "辅料"),
    ],
    ordered: false,
};
pub static SOLID_WASTE_KIND: EnumDef = EnumDef {
    name: "solid_waste_kind",
    values: &[
        ev("general", "一般工业固体废物"),
        ev("hazardous", "危险废物"),
    ],
    ordered: false,
};
pub static ROSTER: EnumDef = EnumDef {
    name: "roster",
    values: &[
        ev("air", "大气环境重点排污单位"),
        ev("water", "水环境重点排污单位"),
        ev("soil", "土壤污染重点监管单位"),
        ev("noise", "声环境重点排污单位"),
        ev("risk", "环境风险重点管控单位"),
    ],
    ordered: false,
};
pub static REPORT_KIND: EnumDef = EnumDef {
    name: "report_kind",
    values: &[
        ev("annual", "年度执行报告"),
        ev("semiannual", "半年执行报告"),
        ev("quarterly", "季度执行报告"),
        ev("monthly", "月度执行报告"),
    ],
    ordered: false,
};
pub static ACCEPTANCE_DECISION: EnumDef = EnumDef {
    name: "acceptance_decision",
    values: &[ev("accepted", "受理"), ev("rejected", "不予受理")],
    ordered: false,
};
pub static MONITORING_METHOD: EnumDef = EnumDef {
    name: "monitoring_method",
    values: &[ev("automatic", "自动监测"), ev("manual", "手工监测")],
    ordered: false,
};
pub static INDUSTRY_ROLE: EnumDef = EnumDef {
    name: "industry_role",
    values: &[ev("main", "主要行业"), ev("secondary", "次要行业")],
    ordered: false,
};
/// GB 3838-2002 surface water functional classes, cleanest first.
pub static WATER_CLASS: EnumDef = EnumDef {
    name: "water_class",
    values: &[
        ev("I", "I类"),
        ev("II", "II类"),
        ev("III", "III类"),
        ev("IV", "IV类"),
        ev("V", "V类"),
    ],
    ordered: true,
};
/// Project addition: the kind of plant an indirect discharge goes to
/// (GB 4287-2012 修改单: municipal plants take the direct limits).
pub static RECEIVING_PLANT: EnumDef = EnumDef {
    name: "receiving_plant",
    values: &[
        ev("municipal", "城镇污水处理厂或城镇污水管线"),
        ev("park", "园区污水处理厂"),
        ev("industrial", "其他工业废水集中处理设施"),
    ],
    ordered: false,
};
/// Project addition: denitrification reductant (cement kiln NH₃ limits).
pub static REDUCTANT: EnumDef = EnumDef {
    name: "reductant",
    values: &[
        ev("ammonia", "氨水/液氨"),
        ev("urea", "尿素"),
        ev("none", "无"),
    ],
    ordered: false,
};
/// Project addition: boiler furnace type (GB 13223-2011 NOx 200 mg/m³ cases).
pub static FURNACE: EnumDef = EnumDef {
    name: "furnace",
    values: &[
        ev("w_flame", "W型火焰炉膛"),
        ev("cfb", "循环流化床"),
        ev("pulverized", "煤粉炉"),
        ev("stoker", "层燃炉"),
        ev("other", "其他"),
    ],
    ordered: false,
};

/// Every enumeration of the schema, for lookup by name.
pub static ENUMS: &[&EnumDef] = &[
    &MANAGEMENT,
    &FREQUENCY,
    &FACILITY_KIND,
    &DISCHARGE,
    &OUTLET_TYPE,
    &APPLICATION,
    &CONSTRUCTION_STATUS,
    &MATERIAL_KIND,
    &SOLID_WASTE_KIND,
    &ROSTER,
    &REPORT_KIND,
    &ACCEPTANCE_DECISION,
    &MONITORING_METHOD,
    &INDUSTRY_ROLE,
    &WATER_CLASS,
    &RECEIVING_PLANT,
    &REDUCTANT,
    &FURNACE,
    &FUEL,
    &LIMIT_BOUND,
    &CONCENTRATION_BASIS,
    &WATER_OUTLET_TYPE,
    &POINT_KIND,
];

pub fn enum_by_name(name: &str) -> Option<&'static EnumDef> {
    ENUMS.iter().copied().find(|e| e.name == name)
}

// ---------------------------------------------------------------- records

/// Capacity of a product or a facility: power, hourly/daily mass, flow or annual quantity.
pub const CAPACITY: &[Dim] = &[
    Dim::Power,
    Dim::MassRate,
    Dim::VolumeRate,
    Dim::AnnualMass,
    Dim::AnnualVolume,
    Dim::AnnualCount,
];

/// Every list an id reference may point into (the `path` and `also` of
/// the reference targets below): the evaluator indexes these by id once
/// per permit.
pub const REFERENCED_LISTS: &[&str] = &[
    "facilities.production",
    "facilities.treatment",
    "air.outlets",
    "water.outlets",
    "air.fugitive",
    "monitoring_points",
];

static PRODUCTION_REF: RefTarget = RefTarget {
    path: "facilities.production",
    record: &PRODUCTION,
    also: &[],
};
static TREATMENT_REF: RefTarget = RefTarget {
    path: "facilities.treatment",
    record: &TREATMENT,
    also: &[],
};
static MONITORED_REF: RefTarget = RefTarget {
    path: "air.outlets",
    record: &AIR_OUTLET,
    also: &["water.outlets", "air.fugitive", "monitoring_points"],
};
static OUTLET_REF: RefTarget = RefTarget {
    path: "air.outlets",
    record: &AIR_OUTLET,
    also: &["water.outlets"],
};

pub static ACCEPTANCE: RecordDef = RecordDef {
    name: "acceptance",
    zh: "受理/不予受理书面凭证",
    fields: &[
        req(
            "decision",
            Ty::Enum(&ACCEPTANCE_DECISION),
            "受理决定",
            "whether the application was accepted",
        ),
        req("date", Ty::Date, "注明日期", "date written on the notice"),
        req(
            "sealed",
            Ty::Bool,
            "加盖审批部门专用印章",
            "the notice bears the approving department's seal",
        ),
    ],
};

pub static PERMIT: RecordDef = RecordDef {
    name: "permit",
    zh: "许可证信息",
    fields: &[
        req(
            "number",
            Ty::Code(CodeKind::PermitNumber),
            "许可证编号",
            "permit number: the unit's credit code, a 3-digit serial and a letter (HJ 608-2017)",
        ),
        req(
            "management",
            Ty::Enum(&MANAGEMENT),
            "管理类别",
            "management category under the 2019 classification catalogue",
        ),
        req(
            "application",
            Ty::Enum(&APPLICATION),
            "申请类型",
            "kind of application",
        ),
        opt(
            "issued",
            Ty::Date,
            "发证日期",
            "date of issue; absent while the application is under review",
        ),
        opt("valid_from", Ty::Date, "有效期起", "first day of validity"),
        opt("valid_until", Ty::Date, "有效期止", "last day of validity"),
        req(
            "acceptance",
            Ty::Record(&ACCEPTANCE),
            "受理/不予受理书面凭证",
            "written notice of acceptance or rejection",
        ),
        req(
            "platform_record",
            Ty::Bool,
            "在全国排污许可证管理信息平台办理",
            "handled on the national permit management platform",
        ),
        req(
            "paper_archive",
            Ty::Bool,
            "纸质材料留存",
            "paper records are kept",
        ),
    ],
};

pub static INDUSTRY: RecordDef = RecordDef {
    name: "industry",
    zh: "行业类别",
    fields: &[
        req(
            "code",
            Ty::Code(CodeKind::IndustryCode),
            "行业代码",
            "GB/T 4754-2017 industry code, e.g. `D4412`",
        ),
        req(
            "role",
            Ty::Enum(&INDUSTRY_ROLE),
            "主要/次要行业",
            "main or secondary industry",
        ),
    ],
};

pub static UNIT: RecordDef = RecordDef {
    name: "unit",
    zh: "排污单位基本信息",
    fields: &[
        req("name", Ty::Str, "单位名称", "name of the permit holder"),
        req(
            "credit_code",
            Ty::Code(CodeKind::CreditCode),
            "统一社会信用代码",
            "GB 32100-2015 unified social credit code with check character",
        ),
        req(
            "region",
            Ty::Code(CodeKind::RegionCode),
            "行政区划代码",
            "GB/T 2260 region code, 6 digits",
        ),
        req("address", Ty::Str, "生产经营场所地址", "site address"),
        opt(
            "operating_since",
            Ty::Date,
            "投产日期",
            "date operation started; decides new vs existing source in standards",
        ),
        req(
            "industries",
            Ty::List(&Ty::Record(&INDUSTRY)),
            "行业类别",
            "industries (GB/T 4754-2017), main and secondary",
        ),
        req(
            "key_discharge_roster",
            Ty::List(&Ty::Enum(&ROSTER)),
            "列入重点排污单位名录的类别",
            "key discharger rosters the unit is listed in; `[]` if none",
        ),
        req(
            "key_region",
            Ty::Bool,
            "位于大气污染防治重点区域",
            "in an air pollution key region: special limits apply",
        ),
        opt(
            "complaints",
            Ty::Num,
            "近一年信访举报件数",
            "complaints received in the last year",
        ),
        opt(
            "suspected_violations",
            Ty::List(&Ty::Str),
            "涉嫌违法线索",
            "suspected violations, free text",
        ),
        req(
            "construction_status",
            Ty::Enum(&CONSTRUCTION_STATUS),
            "建设状态",
            "construction status of the unit",
        ),
    ],
};

pub static PRODUCT: RecordDef = RecordDef {
    name: "product",
    zh: "主要产品及产能",
    fields: &[
        req("id", Ty::Str, "编号", "identifier"),
        req("name", Ty::Str, "产品名称", "product name"),
        req(
            "capacity",
            Ty::Qty(CAPACITY),
            "生产能力",
            "production capacity",
        ),
    ],
};

pub static MATERIAL: RecordDef = RecordDef {
    name: "material",
    zh: "主要原辅材料及燃料",
    fields: &[
        req("id", Ty::Str, "编号", "identifier"),
        req("name", Ty::Str, "名称", "material or fuel name"),
        req(
            "kind",
            Ty::Enum(&MATERIAL_KIND),
            "种类",
            "fuel, raw material or auxiliary material",
        ),
        req(
            "annual_use",
            Ty::Qty(&[Dim::AnnualMass]),
            "年最大使用量",
            "annual use",
        ),
        opt("sulfur", Ty::Qty(&[Dim::Percent]), "硫分", "sulfur content"),
        opt("ash", Ty::Qty(&[Dim::Percent]), "灰分", "ash content"),
        v2(opt(
            "fuel",
            Ty::Enum(&FUEL),
            "燃料种类",
            "kind of fuel (for `kind: fuel`)",
        )),
    ],
};

pub static PRODUCTION: RecordDef = RecordDef {
    name: "production_facility",
    zh: "主要生产设施",
    fields: &[
        req(
            "id",
            Ty::Str,
            "生产设施编号",
            "identifier, referred to by treatment, outlets and EIA approvals",
        ),
        req("name", Ty::Str, "生产设施名称", "facility name"),
        req(
            "kind",
            Ty::Enum(&FACILITY_KIND),
            "设施类型",
            "kind of facility",
        ),
        req(
            "capacity",
            Ty::Qty(CAPACITY),
            "设计生产能力",
            "design capacity",
        ),
        opt(
            "commissioned",
            Ty::Date,
            "投运日期",
            "date the facility went into operation",
        ),
        opt(
            "reductant",
            Ty::Enum(&REDUCTANT),
            "脱硝还原剂",
            "project addition: denitrification reductant (cement kiln NH3 limits)",
        ),
        opt(
            "furnace",
            Ty::Enum(&FURNACE),
            "炉型",
            "project addition: furnace type (GB 13223-2011 NOx limit of 200 mg/m3 cases)",
        ),
        opt(
            "eia_approved",
            Ty::Date,
            "环评批复日期",
            "project addition: EIA approval date of this facility (GB 13271-2014 new vs in-use boilers)",
        ),
        v2(opt(
            "fuel",
            Ty::Enum(&FUEL),
            "燃料种类",
            "main fuel of a combustion facility",
        )),
    ],
};

pub static TREATMENT: RecordDef = RecordDef {
    name: "treatment_facility",
    zh: "污染防治设施",
    fields: &[
        req(
            "id",
            Ty::Str,
            "污染防治设施编号",
            "identifier, referred to by outlets",
        ),
        req("name", Ty::Str, "污染防治设施名称", "facility name"),
        req(
            "serves",
            Ty::List(&Ty::Ref(&PRODUCTION_REF)),
            "对应产污设施",
            "production facilities it treats",
        ),
        req(
            "pollutants",
            Ty::List(&Ty::Pollutant(None)),
            "治理污染物",
            "pollutants it removes (codes or names)",
        ),
        req(
            "technology",
            Ty::Str,
            "污染治理设施工艺",
            "treatment technology",
        ),
        req(
            "feasible_technology",
            Ty::Bool,
            "是否为可行技术",
            "a feasible technology under the technical specification",
        ),
    ],
};

pub static FACILITIES: RecordDef = RecordDef {
    name: "facilities",
    zh: "生产设施及污染防治设施",
    fields: &[
        req(
            "production",
            Ty::List(&Ty::Record(&PRODUCTION)),
            "主要生产设施",
            "main production facilities",
        ),
        req(
            "treatment",
            Ty::List(&Ty::Record(&TREATMENT)),
            "污染防治设施",
            "pollution treatment facilities",
        ),
    ],
};

pub static EIA: RecordDef = RecordDef {
    name: "eia",
    zh: "环境影响评价审批",
    fields: &[
        req("id", Ty::Str, "编号", "identifier"),
        req("approval", Ty::Str, "批复文号", "approval document number"),
        req(
            "date",
            Ty::Date,
            "批复日期",
            "approval date; construction before it is 未批先建",
        ),
        opt(
            "construction_started",
            Ty::Date,
            "开工日期",
            "date construction started",
        ),
        opt(
            "approved_capacity",
            Ty::Qty(CAPACITY),
            "批复产能",
            "capacity approved; compared with products for major changes (重大变动)",
        ),
        req(
            "facilities",
            Ty::List(&Ty::Ref(&PRODUCTION_REF)),
            "批复涉及的生产设施",
            "production facilities the approval covers",
        ),
        v2(opt(
            "limits",
            Ty::List(&Ty::Record(&EIA_LIMIT)),
            "环评批复的排放限值",
            "emission limits the approval sets per outlet and pollutant; from 2015-01-01 they go into the permit",
        )),
    ],
};

pub static EIA_LIMIT: RecordDef = RecordDef {
    name: "eia_limit",
    zh: "环评批复的排放限值",
    fields: &[
        req(
            "outlet",
            Ty::Ref(&OUTLET_REF),
            "排放口",
            "air or water outlet the approval limits",
        ),
        req(
            "pollutant",
            Ty::Pollutant(None),
            "污染物",
            "pollutant code or name",
        ),
        opt(
            "concentration",
            Ty::Qty(&[Dim::AirConcentration, Dim::WaterConcentration]),
            "允许排放浓度",
            "concentration the approval allows",
        ),
        opt(
            "annual",
            Ty::Qty(&[Dim::AnnualMass]),
            "允许年排放量",
            "annual quantity the approval allows",
        ),
    ],
};

pub static LOCATION: RecordDef = RecordDef {
    name: "location",
    zh: "地理坐标",
    fields: &[
        req("lon", Ty::Num, "经度", "longitude, degrees"),
        req("lat", Ty::Num, "纬度", "latitude, degrees"),
    ],
};

pub static AIR_POLLUTANT: RecordDef = RecordDef {
    name: "air_pollutant",
    zh: "大气污染物许可排放限值",
    fields: &[
        req(
            "pollutant",
            Ty::Pollutant(Some(Medium::Air)),
            "污染物种类",
            "pollutant: code (`SO2`), Chinese name (`二氧化硫`) or an alias of the catalogue",
        ),
        v2(opt(
            "standard",
            Ty::Standard,
            "执行的排放标准（本行）",
            "the standard of this row, where the permit sets one per pollutant; defaults to the outlet's (the loader fills it in)",
        )),
        opt(
            "concentration",
            Ty::Qty(&[Dim::AirConcentration]),
            "许可排放浓度",
            "permitted concentration (the platform's 许可排放小时浓度限值 where it prints hourly and daily limits)",
        ),
        v2(opt(
            "daily",
            Ty::Qty(&[Dim::AirConcentration]),
            "许可排放日均浓度限值",
            "permitted daily-average concentration",
        )),
        v2(opt(
            "rate",
            Ty::Qty(&[Dim::MassRate]),
            "许可排放速率限值",
            "permitted emission rate, kg/h",
        )),
        opt(
            "annual",
            Ty::Qty(&[Dim::AnnualMass]),
            "许可排放量",
            "permitted annual quantity (main outlets, main pollutants)",
        ),
        v2(opt(
            "annual_years",
            Ty::List(&Ty::Qty(&[Dim::AnnualMass])),
            "许可年排放量限值（第一年至第五年）",
            "permitted annual quantity for each year of validity, first year first",
        )),
        v2(opt(
            "committed",
            Ty::Qty(&[Dim::AirConcentration]),
            "承诺更加严格排放浓度限值",
            "a stricter concentration the unit committed to",
        )),
        v2(opt(
            "limit",
            Ty::Qty(&[Dim::Ringelmann, Dim::Dimensionless, Dim::Temperature]),
            "许可限值（非浓度）",
            "a limit that is not a concentration: Ringelmann grade (`1 级`), odour concentration (`1000 无量纲`), furnace temperature (`850 ℃`)",
        )),
        v2(opt(
            "bound",
            Ty::Enum(&LIMIT_BOUND),
            "限值性质",
            "`max` (default) or `min` (a floor, e.g. furnace temperature)",
        )),
        v2(opt(
            "reference_o2",
            Ty::Qty(&[Dim::Percent]),
            "基准含氧量",
            "reference oxygen content the concentration is corrected to; defaults to the outlet's",
        )),
    ],
};

pub static AIR_OUTLET: RecordDef = RecordDef {
    name: "air_outlet",
    zh: "大气排放口",
    fields: &[
        req(
            "id",
            Ty::Code(CodeKind::OutletId),
            "排放口编号",
            "outlet id, `DA###`",
        ),
        req("name", Ty::Str, "排放口名称", "outlet name"),
        req(
            "type",
            Ty::Enum(&OUTLET_TYPE),
            "排放口类型",
            "main or general outlet",
        ),
        req(
            "sources",
            Ty::List(&Ty::Ref(&PRODUCTION_REF)),
            "对应产污设施",
            "production facilities discharging here",
        ),
        opt(
            "treatment",
            Ty::List(&Ty::Ref(&TREATMENT_REF)),
            "污染防治设施",
            "treatment facilities before the outlet",
        ),
        req(
            "height",
            Ty::Qty(&[Dim::Length]),
            "排气筒高度",
            "stack height",
        ),
        opt(
            "inner_diameter",
            Ty::Qty(&[Dim::Length]),
            "排气筒出口内径",
            "stack inner diameter at the outlet",
        ),
        opt(
            "location",
            Ty::Record(&LOCATION),
            "地理坐标",
            "outlet coordinates",
        ),
        req(
            "standard",
            Ty::Standard,
            "执行的排放标准",
            "emission standard applied, e.g. `GB 13223-2011`",
        ),
        v2(opt(
            "reference_o2",
            Ty::Qty(&[Dim::Percent]),
            "基准含氧量",
            "reference oxygen content of the outlet's concentrations (e.g. `6 %` for coal boilers under GB 13223-2011)",
        )),
        v2(opt(
            "concentration_basis",
            Ty::Enum(&CONCENTRATION_BASIS),
            "浓度性质",
            "`corrected` (折算, default) or `measured` (实测) concentrations",
        )),
        req(
            "pollutants",
            Ty::List(&Ty::Record(&AIR_POLLUTANT)),
            "许可排放限值",
            "permitted pollutants and limits",
        ),
    ],
};

pub static FUGITIVE_POLLUTANT: RecordDef = RecordDef {
    name: "fugitive_pollutant",
    zh: "无组织排放限值",
    fields: &[
        req(
            "pollutant",
            Ty::Pollutant(Some(Medium::Air)),
            "污染物种类",
            "pollutant code or name",
        ),
        req(
            "concentration",
            Ty::Qty(&[Dim::AirConcentration]),
            "无组织排放浓度限值",
            "boundary concentration limit",
        ),
    ],
};

pub static FUGITIVE: RecordDef = RecordDef {
    name: "fugitive_source",
    zh: "无组织排放",
    fields: &[
        req(
            "id",
            Ty::Str,
            "编号",
            "identifier, referred to by monitoring",
        ),
        req(
            "location",
            Ty::Str,
            "产排污环节",
            "where the fugitive emission arises",
        ),
        req(
            "pollutants",
            Ty::List(&Ty::Record(&FUGITIVE_POLLUTANT)),
            "无组织排放限值",
            "pollutants and boundary limits",
        ),
        opt("measures", Ty::Str, "污染防治措施", "control measures"),
    ],
};

pub static TOTAL: RecordDef = RecordDef {
    name: "total",
    zh: "全厂许可排放量",
    fields: &[
        req(
            "pollutant",
            Ty::Pollutant(None),
            "污染物种类",
            "pollutant code or name",
        ),
        req(
            "annual",
            Ty::Qty(&[Dim::AnnualMass]),
            "年许可排放量",
            "permitted annual quantity for the whole site",
        ),
    ],
};

pub static AIR: RecordDef = RecordDef {
    name: "air",
    zh: "大气污染物排放",
    fields: &[
        req(
            "outlets",
            Ty::List(&Ty::Record(&AIR_OUTLET)),
            "有组织排放口",
            "stacks and other point sources",
        ),
        opt(
            "fugitive",
            Ty::List(&Ty::Record(&FUGITIVE)),
            "无组织排放",
            "fugitive sources",
        ),
        opt(
            "totals",
            Ty::List(&Ty::Record(&TOTAL)),
            "全厂许可排放量",
            "site-wide annual quantities",
        ),
    ],
};

pub static WATER_POLLUTANT: RecordDef = RecordDef {
    name: "water_pollutant",
    zh: "水污染物许可排放限值",
    fields: &[
        req(
            "pollutant",
            Ty::Pollutant(Some(Medium::Water)),
            "污染物种类",
            "pollutant: code (`COD`), Chinese name (`化学需氧量`) or an alias of the catalogue",
        ),
        v2(opt(
            "standard",
            Ty::Standard,
            "执行的排放标准（本行）",
            "the standard (and grade) of this row, where the permit sets one per pollutant; defaults to the outlet's (the loader fills it in)",
        )),
        opt(
            "concentration",
            Ty::Qty(&[Dim::WaterConcentration]),
            "许可排放浓度",
            "permitted concentration; one of `concentration` or `range`",
        ),
        opt(
            "range",
            Ty::Range,
            "许可排放范围",
            "permitted range (pH), e.g. `6-9`; one of `concentration` or `range`",
        ),
        opt(
            "annual",
            Ty::Qty(&[Dim::AnnualMass]),
            "许可排放量",
            "permitted annual quantity (main outlets)",
        ),
        v2(opt(
            "annual_years",
            Ty::List(&Ty::Qty(&[Dim::AnnualMass])),
            "许可年排放量限值（第一年至第五年）",
            "permitted annual quantity for each year of validity, first year first",
        )),
        v2(opt(
            "committed",
            Ty::Qty(&[Dim::WaterConcentration]),
            "承诺更加严格排放浓度限值",
            "a stricter concentration the unit committed to",
        )),
        opt(
            "low_temperature",
            Ty::Bool,
            "水温≤12℃时段限值",
            "project addition: this row is the limit for water at or below 12 °C (GB 18918-2002 表1 氨氮 bracketed values)",
        ),
    ],
};

pub static WATER_OUTLET: RecordDef = RecordDef {
    name: "water_outlet",
    zh: "废水排放口",
    fields: &[
        req(
            "id",
            Ty::Code(CodeKind::OutletId),
            "排放口编号",
            "outlet id, `DW###`",
        ),
        req("name", Ty::Str, "排放口名称", "outlet name"),
        req(
            "type",
            Ty::Enum(&WATER_OUTLET_TYPE),
            "排放口类型",
            "main, general or (permit/v2) rainwater outlet",
        ),
        req(
            "discharge",
            Ty::Enum(&DISCHARGE),
            "排放方式",
            "direct to a water body or indirect to a treatment plant",
        ),
        req(
            "receiving",
            Ty::Str,
            "受纳水体/受纳污水处理厂",
            "receiving water body, or the plant for indirect discharge",
        ),
        Field {
            name: "receiving_class",
            ty: Ty::Enum(&WATER_CLASS),
            required: false,
            nullable: true,
            zh: "地表水环境功能区类别",
            en: "GB 3838-2002 class of the receiving water, `I`..`V`; required when discharge is direct",
            since: 1,
        },
        opt(
            "receiving_plant",
            Ty::Enum(&RECEIVING_PLANT),
            "受纳污水处理厂类型",
            "project addition: for indirect discharge, the kind of receiving plant (municipal, park or other industrial)",
        ),
        req(
            "standard",
            Ty::Standard,
            "执行的排放标准",
            "discharge standard applied, e.g. `GB 8978-1996 三级`",
        ),
        req(
            "pollutants",
            Ty::List(&Ty::Record(&WATER_POLLUTANT)),
            "许可排放限值",
            "permitted pollutants and limits",
        ),
    ],
};

pub static WATER: RecordDef = RecordDef {
    name: "water",
    zh: "水污染物排放",
    fields: &[
        req(
            "outlets",
            Ty::List(&Ty::Record(&WATER_OUTLET)),
            "废水排放口",
            "wastewater outlets",
        ),
        opt(
            "totals",
            Ty::List(&Ty::Record(&TOTAL)),
            "全厂许可排放量",
            "site-wide annual quantities",
        ),
    ],
};

pub static MONITORING_POINT: RecordDef = RecordDef {
    name: "monitoring_point",
    zh: "监测点位",
    fields: &[
        req(
            "id",
            Ty::Str,
            "点位编号",
            "identifier, referred to by monitoring",
        ),
        req("name", Ty::Str, "点位名称", "point name"),
        req(
            "kind",
            Ty::Enum(&POINT_KIND),
            "点位类型",
            "boundary, workshop, ambient, groundwater or soil",
        ),
    ],
};

pub static MONITORING: RecordDef = RecordDef {
    name: "monitoring",
    zh: "自行监测方案",
    fields: &[
        req(
            "outlet",
            Ty::Ref(&MONITORED_REF),
            "监测点位",
            "air or water outlet, or fugitive source, monitored",
        ),
        req(
            "pollutant",
            Ty::Pollutant(None),
            "监测指标",
            "pollutant code or name",
        ),
        req(
            "method",
            Ty::Enum(&MONITORING_METHOD),
            "监测方式",
            "automatic or manual monitoring",
        ),
        req(
            "frequency",
            Ty::Enum(&FREQUENCY),
            "监测频次",
            "monitoring frequency",
        ),
        opt(
            "networked",
            Ty::Bool,
            "自动监测设备联网",
            "automatic monitoring is connected to the authority",
        ),
    ],
};

pub static SOLID_WASTE: RecordDef = RecordDef {
    name: "solid_waste",
    zh: "固体废物",
    fields: &[
        req("id", Ty::Str, "编号", "identifier"),
        req("name", Ty::Str, "固体废物名称", "waste name"),
        req(
            "kind",
            Ty::Enum(&SOLID_WASTE_KIND),
            "固体废物类别",
            "general industrial or hazardous waste",
        ),
        opt(
            "code",
            Ty::Str,
            "危险废物类别",
            "hazardous waste category from the national list, e.g. `HW50`",
        ),
        req(
            "annual",
            Ty::Qty(&[Dim::AnnualMass]),
            "产生量",
            "annual quantity generated",
        ),
        req(
            "disposal",
            Ty::Str,
            "处理处置方式",
            "how it is used or disposed of",
        ),
    ],
};

pub static SOIL: RecordDef = RecordDef {
    name: "soil",
    zh: "土壤污染防治",
    fields: &[req(
        "key_supervision",
        Ty::Bool,
        "土壤污染重点监管单位",
        "listed as a soil pollution key supervised unit",
    )],
};

pub static ENV_MANAGEMENT: RecordDef = RecordDef {
    name: "management",
    zh: "环境管理要求",
    fields: &[
        req(
            "ledger",
            Ty::Bool,
            "环境管理台账",
            "environmental management ledger is kept",
        ),
        req(
            "execution_reports",
            Ty::List(&Ty::Enum(&REPORT_KIND)),
            "执行报告",
            "execution reports required",
        ),
    ],
};

pub static SPECIAL_PERIOD: RecordDef = RecordDef {
    name: "special_period",
    zh: "特殊时段/重点时段要求",
    fields: &[
        req("name", Ty::Str, "时段名称", "name of the period"),
        req(
            "applies_to",
            Ty::List(&Ty::Ref(&OUTLET_REF)),
            "适用排放口",
            "outlets the requirement applies to",
        ),
        req(
            "requirement",
            Ty::Str,
            "管控要求",
            "the requirement as written into the permit",
        ),
    ],
};

pub static ROOT: RecordDef = RecordDef {
    name: "permit",
    zh: "排污许可证",
    fields: &[
        req(
            "format",
            Ty::Str,
            "格式版本",
            "format identifier: `permit/v2` (`permit/v1` is still read)",
        ),
        req(
            "permit",
            Ty::Record(&PERMIT),
            "许可证信息",
            "the permit itself",
        ),
        req(
            "unit",
            Ty::Record(&UNIT),
            "排污单位基本信息",
            "the permit holder",
        ),
        req(
            "products",
            Ty::List(&Ty::Record(&PRODUCT)),
            "主要产品及产能",
            "main products and capacities",
        ),
        opt(
            "materials",
            Ty::List(&Ty::Record(&MATERIAL)),
            "主要原辅材料及燃料",
            "main raw materials and fuels",
        ),
        req(
            "facilities",
            Ty::Record(&FACILITIES),
            "生产设施及污染防治设施",
            "production and treatment facilities",
        ),
        opt(
            "eia",
            Ty::List(&Ty::Record(&EIA)),
            "环境影响评价审批",
            "environmental impact assessment approvals",
        ),
        opt("air", Ty::Record(&AIR), "大气污染物排放", "air emissions"),
        opt(
            "water",
            Ty::Record(&WATER),
            "水污染物排放",
            "water discharges",
        ),
        v2(opt(
            "monitoring_points",
            Ty::List(&Ty::Record(&MONITORING_POINT)),
            "监测点位",
            "monitoring points that are not outlets (boundary, ambient, groundwater, soil)",
        )),
        opt(
            "monitoring",
            Ty::List(&Ty::Record(&MONITORING)),
            "自行监测方案",
            "self-monitoring plan",
        ),
        opt(
            "solid_waste",
            Ty::List(&Ty::Record(&SOLID_WASTE)),
            "固体废物",
            "solid wastes",
        ),
        opt(
            "soil",
            Ty::Record(&SOIL),
            "土壤污染防治",
            "soil pollution prevention",
        ),
        opt(
            "management",
            Ty::Record(&ENV_MANAGEMENT),
            "环境管理要求",
            "environmental management requirements",
        ),
        opt(
            "special_periods",
            Ty::List(&Ty::Record(&SPECIAL_PERIOD)),
            "特殊时段/重点时段要求",
            "special-period requirements written into the permit",
        ),
    ],
};

/// The type at a dotted path from the root, e.g.
/// `air.outlets.pollutants.concentration` (list indices such as `[0]` or
/// `[]` are allowed and ignored). Lists are entered; references are followed.
pub fn resolve_path(path: &str) -> Option<&'static Ty> {
    let mut record: &'static RecordDef = &ROOT;
    let mut ty: Option<&'static Ty> = None;
    for part in path.split('.') {
        let name = part.split('[').next().unwrap_or(part);
        if let Some(t) = ty {
            record = record_of(t)?;
        }
        ty = Some(&record.field(name)?.ty);
    }
    ty
}

/// The record a value of type `ty` has fields of (through lists and references).
pub fn record_of(ty: &'static Ty) -> Option<&'static RecordDef> {
    let mut t = ty;
    loop {
        match t {
            Ty::Record(r) => return Some(r),
            Ty::List(inner) => t = inner,
            Ty::Ref(target) => return Some(target.record),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn referenced_lists_cover_every_reference_target() {
        for t in [&PRODUCTION_REF, &TREATMENT_REF, &MONITORED_REF, &OUTLET_REF] {
            for path in std::iter::once(t.path).chain(t.also.iter().copied()) {
                assert!(REFERENCED_LISTS.contains(&path), "{path}");
            }
        }
    }

    use super::*;

    #[test]
    fn resolves_paths() {
        assert!(matches!(
            resolve_path("air.outlets[0].pollutants[1].concentration"),
            Some(Ty::Qty([Dim::AirConcentration]))
        ));
        assert!(
            matches!(resolve_path("permit.management"), Some(Ty::Enum(e)) if e.name == "management")
        );
        assert!(matches!(
            resolve_path("monitoring.outlet.height"),
            Some(Ty::Qty(_))
        ));
        assert!(resolve_path("air.nope").is_none());
        assert!(resolve_path("format.x").is_none());
    }

    #[test]
    fn enums_are_findable_and_ordered() {
        let m = enum_by_name("management").unwrap();
        assert!(m.ordered);
        assert!(m.index("registration") < m.index("key"));
        let f = enum_by_name("frequency").unwrap();
        assert!(f.index("annual") < f.index("continuous"));
        for e in ENUMS {
            assert!(enum_by_name(e.name).is_some());
        }
    }
}
