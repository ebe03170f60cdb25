//! Zato's timestamps: naive UTC `datetime.isoformat()`, no zone suffix, microseconds only when
//! non-zero; "no expiry" is `datetime(9999, 12, 31)`. Stored as epoch microseconds.

pub const NEVER: &str = "9999-12-31T00:00:00";

pub fn now_us() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

/// `2018-03-27T16:42:45` or `2018-03-27T16:42:45.123456`.
pub fn format(us: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000) else {
        return NEVER.to_owned();
    };
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    match t.microsecond() {
        0 => base,
        micros => format!("{base}.{micros:06}"),
    }
}

/// Epoch seconds for the table's TTL attribute, rounded up so TTL never deletes early.
pub fn ttl_seconds(us: i64) -> i64 {
    (us + 999_999).div_euclid(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_print_without_a_fraction_as_zato_does() {
        assert_eq!(format(1_522_168_965_000_000), "2018-03-27T16:42:45");
    }

    #[test]
    fn microseconds_print_as_six_digits() {
        assert_eq!(format(1_522_168_965_000_042), "2018-03-27T16:42:45.000042");
    }

    #[test]
    fn the_ttl_rounds_up_to_the_next_second() {
        assert_eq!(ttl_seconds(1_000_001), 2);
        assert_eq!(ttl_seconds(2_000_000), 2);
    }
}
