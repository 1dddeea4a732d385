//! HJ 212's CRC16 (HJ 212-2017 附录 A [2nd]: read from independent public
//! implementations, not from the standard's text; the test vector below is
//! the standard's own example and passes).
//!
//! It is not Modbus CRC16: each byte is XORed into the register shifted
//! right by eight (`crc = (crc >> 8) ^ byte`), then eight reflected steps
//! with polynomial `0xA001`; initial value `0xFFFF`, no final XOR. It covers
//! the data segment only (from `QN=` to the closing `&&`), and is written as
//! four upper-case hexadecimal digits.

/// CRC16 of HJ 212 over `data`.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc = (crc >> 8) ^ u16::from(b);
        for _ in 0..8 {
            let lsb = crc & 1;
            crc >>= 1;
            if lsb == 1 {
                crc ^= 0xA001;
            }
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc16;

    /// The example of HJ 212-2017 (a heartbeat-interval packet).
    #[test]
    fn standard_example_gives_1c80() {
        let data = b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
        assert_eq!(format!("{:04X}", crc16(data)), "1C80");
    }

    #[test]
    fn not_modbus() {
        // Modbus CRC16 of "123456789" is 0x4B37; HJ 212's differs.
        assert_ne!(crc16(b"123456789"), 0x4B37);
        assert_eq!(crc16(b""), 0xFFFF);
    }
}
