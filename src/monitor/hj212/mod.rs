//! HJ 212 (污染物在线监控(监测)系统数据传输标准): the packet layout and its
//! CRC. Editions 2017 and 2025 share the layout and are told apart by the
//! version bits of `Flag`. `minutes` turns minute data into hourly means;
//! `commands` counts the packets read but not evaluated.

pub mod commands;
pub mod crc;
pub mod minutes;
pub mod packet;
