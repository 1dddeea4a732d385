//! HJ 212's CRC16 (HJ 212-2017 附录 A [2nd]: read from independent public
//! implementations, not from the standard's text; the test vector below is
//! the standard's own example and passes).
//!
//! It is not Modbus CRC16: each byte is XORed into the register shifted
//! right by eight (`crc = (crc >> 8) ^ byte`), then eight reflected steps
//! with polynomial `0xA001`; initial value `0xFFFF`, no final XOR. It covers
//! the data segment only (from `QN=` to the closing `&&`), and is written as
//! four upper-case hexadecimal digits.

/// The eight reflected steps applied to a register holding only `i`
/// (one table lookup per byte instead of eight steps: the byte XORed in is
/// the whole register, since `crc >> 8` has no high byte).
const fn steps(i: u16) -> u16 {
    let mut crc = i;
    let mut k = 0;
    while k < 8 {
        let lsb = crc & 1;
        crc >>= 1;
        if lsb == 1 {
            crc ^= 0xA001;
        }
        k += 1;
    }
    crc
}

const TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = steps(i as u16);
        i += 1;
    }
    t
};

/// CRC16 of HJ 212 over `data`.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc = TABLE[usize::from((crc >> 8) as u8 ^ b)];
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

    /// The definition, step by step, against the table.
    #[test]
    fn table_matches_the_bitwise_definition() {
        let bitwise = |data: &[u8]| {
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
        };
        let mut data = Vec::new();
        let mut x: u32 = 12345;
        for n in 0..600 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            data.push((x >> 16) as u8);
            assert_eq!(crc16(&data), bitwise(&data), "length {n}");
        }
    }

    #[test]
    fn not_modbus() {
        // Modbus CRC16 of "123456789" is 0x4B37; HJ 212's differs.
        assert_ne!(crc16(b"123456789"), 0x4B37);
        assert_eq!(crc16(b""), 0xFFFF);
    }
}
