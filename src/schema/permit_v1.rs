//! TEMPORARY stub until the loader branch lands.
use super::types::*;
use crate::units::Dim;
pub static MANAGEMENT: EnumDef = EnumDef { name: "management", ordered: true, values: &[
    EnumValue { name: "registration", zh: "登记管理" }, EnumValue { name: "simplified", zh: "简化管理" }, EnumValue { name: "key", zh: "重点管理" }] };
static KIND: EnumDef = EnumDef { name: "facility_kind", ordered: false, values: &[
    EnumValue { name: "coal_boiler", zh: "" }, EnumValue { name: "gas_boiler", zh: "" }] };
static PERMIT: RecordDef = RecordDef { name: "permit", zh: "许可证信息", fields: &[
    Field { name: "management", ty: Ty::Enum(&MANAGEMENT), required: true, nullable: false, zh: "管理类别", en: "" },
    Field { name: "valid_until", ty: Ty::Date, required: true, nullable: false, zh: "有效期止", en: "" },
]};
static INDUSTRY: RecordDef = RecordDef { name: "industry", zh: "", fields: &[
    Field { name: "code", ty: Ty::Code(CodeKind::IndustryCode), required: true, nullable: false, zh: "", en: "" }]};
static UNIT: RecordDef = RecordDef { name: "unit", zh: "", fields: &[
    Field { name: "industries", ty: Ty::List(&Ty::Record(&INDUSTRY)), required: true, nullable: false, zh: "", en: "" },
    Field { name: "key_region", ty: Ty::Bool, required: true, nullable: false, zh: "", en: "" },
    Field { name: "operating_since", ty: Ty::Date, required: true, nullable: false, zh: "", en: "" }]};
static PROD: RecordDef = RecordDef { name: "production_facility", zh: "", fields: &[
    Field { name: "id", ty: Ty::Str, required: true, nullable: false, zh: "", en: "" },
    Field { name: "kind", ty: Ty::Enum(&KIND), required: true, nullable: false, zh: "", en: "" },
    Field { name: "capacity", ty: Ty::Qty(&[Dim::MassRate, Dim::Power]), required: true, nullable: false, zh: "", en: "" }]};
static FAC: RecordDef = RecordDef { name: "facilities", zh: "", fields: &[
    Field { name: "production", ty: Ty::List(&Ty::Record(&PROD)), required: true, nullable: false, zh: "", en: "" }]};
static PROD_REF: RefTarget = RefTarget { path: "facilities.production", record: &PROD, also: &[] };
static POLL: RecordDef = RecordDef { name: "air_pollutant", zh: "", fields: &[
    Field { name: "pollutant", ty: Ty::Str, required: true, nullable: false, zh: "", en: "" },
    Field { name: "concentration", ty: Ty::Qty(&[Dim::AirConcentration]), required: true, nullable: false, zh: "许可排放浓度", en: "" },
    Field { name: "annual", ty: Ty::Qty(&[Dim::AnnualMass]), required: false, nullable: false, zh: "", en: "" }]};
static OUTLET: RecordDef = RecordDef { name: "air_outlet", zh: "", fields: &[
    Field { name: "id", ty: Ty::Str, required: true, nullable: false, zh: "", en: "" },
    Field { name: "standard", ty: Ty::Str, required: true, nullable: false, zh: "", en: "" },
    Field { name: "sources", ty: Ty::List(&Ty::Ref(&PROD_REF)), required: true, nullable: false, zh: "", en: "" },
    Field { name: "pollutants", ty: Ty::List(&Ty::Record(&POLL)), required: true, nullable: false, zh: "", en: "" }]};
static AIR: RecordDef = RecordDef { name: "air", zh: "", fields: &[
    Field { name: "outlets", ty: Ty::List(&Ty::Record(&OUTLET)), required: true, nullable: false, zh: "", en: "" }]};
pub static ROOT: RecordDef = RecordDef { name: "permit/v1", zh: "", fields: &[
    Field { name: "permit", ty: Ty::Record(&PERMIT), required: true, nullable: false, zh: "", en: "" },
    Field { name: "unit", ty: Ty::Record(&UNIT), required: true, nullable: false, zh: "", en: "" },
    Field { name: "facilities", ty: Ty::Record(&FAC), required: true, nullable: false, zh: "", en: "" },
    Field { name: "air", ty: Ty::Record(&AIR), required: true, nullable: false, zh: "", en: "" }]};
