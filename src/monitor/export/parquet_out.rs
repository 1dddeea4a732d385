//! Parquet through the crate's low-level column writer (no Arrow): one row
//! group per file, plain and dictionary encodings, no compression codec
//! compiled in.

use super::{CoverageRow, LimitRow, ReadingRow};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::sync::Arc;

/// One column's values; `None` is a null (the column is OPTIONAL).
pub(super) enum Col {
    Text(Vec<Option<String>>),
    Double(Vec<Option<f64>>),
    Int64(Vec<i64>),
    Int32(Vec<Option<i32>>),
}

fn err(e: parquet::errors::ParquetError) -> String {
    format!("cannot write Parquet: {e}")
}

fn levels<T: Clone>(v: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    let defs = v.iter().map(|x| i16::from(x.is_some())).collect();
    (v.iter().flatten().cloned().collect(), defs)
}

pub(super) fn write(schema: &str, cols: Vec<Col>) -> Result<Vec<u8>, String> {
    let schema = Arc::new(parse_message_type(schema).map_err(err)?);
    let props = Arc::new(WriterProperties::builder().build());
    let mut w = SerializedFileWriter::new(Vec::new(), schema, props).map_err(err)?;
    let mut rg = w.next_row_group().map_err(err)?;
    let mut cols = cols.into_iter();
    while let Some(mut c) = rg.next_column().map_err(err)? {
        let Some(col) = cols.next() else {
            return Err("cannot write Parquet: more columns in the schema than values".into());
        };
        match col {
            Col::Text(v) => {
                let (vals, defs) = levels(&v);
                let vals: Vec<ByteArray> = vals
                    .into_iter()
                    .map(|s| ByteArray::from(s.into_bytes()))
                    .collect();
                c.typed::<ByteArrayType>()
                    .write_batch(&vals, Some(&defs), None)
                    .map_err(err)?;
            }
            Col::Double(v) => {
                let (vals, defs) = levels(&v);
                c.typed::<DoubleType>()
                    .write_batch(&vals, Some(&defs), None)
                    .map_err(err)?;
            }
            Col::Int32(v) => {
                let (vals, defs) = levels(&v);
                c.typed::<Int32Type>()
                    .write_batch(&vals, Some(&defs), None)
                    .map_err(err)?;
            }
            Col::Int64(v) => {
                c.typed::<Int64Type>()
                    .write_batch(&v, None, None)
                    .map_err(err)?;
            }
        }
        c.close().map_err(err)?;
    }
    rg.close().map_err(err)?;
    w.into_inner().map_err(err)
}

fn text<T>(rows: &[T], f: impl Fn(&T) -> Option<String>) -> Col {
    Col::Text(rows.iter().map(f).collect())
}

pub(crate) fn parquet_limits(rows: &[LimitRow]) -> Result<Vec<u8>, String> {
    let schema = "message limits {
        OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY unit_name (STRING);
        OPTIONAL BINARY region (STRING); OPTIONAL BINARY outlet (STRING);
        OPTIONAL BINARY medium (STRING); OPTIONAL BINARY pollutant (STRING);
        OPTIONAL BINARY pollutant_zh (STRING); OPTIONAL BINARY hj212 (STRING);
        OPTIONAL BINARY field (STRING); OPTIONAL BINARY averaging (STRING);
        OPTIONAL BINARY bound (STRING); OPTIONAL DOUBLE limit_value;
        OPTIONAL BINARY unit_of_measure (STRING); OPTIONAL BINARY written (STRING);
        OPTIONAL DOUBLE reference_o2; OPTIONAL INT32 year_from (DATE);
        OPTIONAL INT32 year_to (DATE); OPTIONAL BINARY basis (STRING);
        OPTIONAL BINARY permit (STRING); OPTIONAL INT32 line; }";
    let s = |v: &str| Some(v.to_string());
    let day = |d: Option<crate::date::Date>| d.and_then(|d| i32::try_from(d.days()).ok());
    write(
        schema,
        vec![
            text(rows, |l| s(&l.credit_code)),
            text(rows, |l| s(&l.unit_name)),
            text(rows, |l| s(&l.region)),
            text(rows, |l| s(&l.outlet)),
            text(rows, |l| s(l.medium)),
            text(rows, |l| s(l.pollutant)),
            text(rows, |l| s(l.pollutant_zh)),
            text(rows, |l| l.hj212.map(str::to_string)),
            text(rows, |l| s(l.field)),
            text(rows, |l| s(l.averaging)),
            text(rows, |l| s(l.bound)),
            Col::Double(rows.iter().map(|l| Some(l.limit_value)).collect()),
            text(rows, |l| s(l.unit_of_measure)),
            text(rows, |l| s(&l.written)),
            Col::Double(rows.iter().map(|l| l.reference_o2).collect()),
            Col::Int32(rows.iter().map(|l| day(l.year_from)).collect()),
            Col::Int32(rows.iter().map(|l| day(l.year_to)).collect()),
            text(rows, |l| s(&l.basis)),
            text(rows, |l| s(&l.permit)),
            Col::Int32(rows.iter().map(|l| i32::try_from(l.line).ok()).collect()),
        ],
    )
}

pub(crate) fn parquet_coverage(rows: &[CoverageRow]) -> Result<Vec<u8>, String> {
    let schema = "message coverage {
        OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY period (STRING);
        REQUIRED INT64 covered_from (TIMESTAMP(MILLIS,false));
        REQUIRED INT64 covered_to (TIMESTAMP(MILLIS,false));
        REQUIRED INT64 expected_hours; }";
    write(
        schema,
        vec![
            text(rows, |c| Some(c.credit_code.clone())),
            text(rows, |c| Some(c.period.clone())),
            Col::Int64(rows.iter().map(|c| c.from * 3_600_000).collect()),
            Col::Int64(rows.iter().map(|c| c.to * 3_600_000).collect()),
            Col::Int64(rows.iter().map(|c| c.expected_hours).collect()),
        ],
    )
}

pub(crate) fn parquet_readings(rows: &[ReadingRow]) -> Result<Vec<u8>, String> {
    let schema = "message readings {
        OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY outlet (STRING);
        OPTIONAL BINARY pollutant (STRING); OPTIONAL BINARY averaging (STRING);
        REQUIRED INT64 measured_at (TIMESTAMP(MILLIS,false));
        OPTIONAL DOUBLE measured; OPTIONAL DOUBLE corrected;
        OPTIONAL BINARY flag (STRING); OPTIONAL DOUBLE o2; OPTIONAL DOUBLE flow;
        OPTIONAL BINARY file (STRING); OPTIONAL INT32 line; }";
    let s = |v: &str| Some(v.to_string());
    write(
        schema,
        vec![
            text(rows, |r| s(r.credit_code)),
            text(rows, |r| s(r.outlet)),
            text(rows, |r| s(r.pollutant)),
            text(rows, |r| s(r.averaging)),
            Col::Int64(rows.iter().map(|r| r.hour * 3_600_000).collect()),
            Col::Double(rows.iter().map(|r| Some(r.measured)).collect()),
            Col::Double(rows.iter().map(|r| r.corrected).collect()),
            text(rows, |r| Some(char::from(r.flag).to_string())),
            Col::Double(rows.iter().map(|r| r.o2).collect()),
            Col::Double(rows.iter().map(|r| r.flow).collect()),
            text(rows, |r| s(r.file)),
            Col::Int32(rows.iter().map(|r| i32::try_from(r.line).ok()).collect()),
        ],
    )
}
