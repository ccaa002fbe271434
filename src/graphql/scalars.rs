//! The `Date` and `DateTime` scalars: strict formats, named for what they are, each `@specifiedBy`
//! a published scalar specification and described for client code generators.
//!
//! A value that does not parse is refused in validation (the scalars' `is_valid`), for literals
//! and variables alike, and `error_codes` reports it as `BAD_USER_INPUT` naming the input field.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// A calendar day: the GraphQL `Date` scalar, exactly `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// An instant in UTC: the GraphQL `DateTime` scalar, RFC 3339 with an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day) naming a day that exists.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Parses an RFC 3339 `date-time` with `T` and an explicit offset (`Z` or `±hh:mm`).
pub fn parse_date_time(text: &str) -> Option<chrono::DateTime<Utc>> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[10] != b'T' || parse_date(&text[..10]).is_none() {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A calendar date without time or time zone, as a JSON string `YYYY-MM-DD` (RFC 3339
/// `full-date`), e.g. `"2025-02-01"`: four-digit year, two-digit month and day, and a day that
/// exists. Any other value is refused with `BAD_USER_INPUT`. TypeScript: `string`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://scalars.graphql.org/andimarek/local-date.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_date(text)
                .map(Date)
                .ok_or_else(|| InputValueError::custom("expected a date as YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if parse_date(text).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant, as a JSON string in RFC 3339 `date-time` format with an offset, e.g.
/// `"2025-02-01T09:30:00.123456+00:00"`; responses are always in UTC (`+00:00`), with
/// fractional seconds when there are any. TypeScript: `string` (`new Date(value)` parses it).
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time.html"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_date_time(text).map(DateTime).ok_or_else(|| {
                InputValueError::custom("expected an RFC 3339 date-time with an offset")
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if parse_date_time(text).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(instant: chrono::DateTime<Utc>) -> Self {
        DateTime(instant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_and_real() {
        assert_eq!(
            parse_date("2025-02-01"),
            NaiveDate::from_ymd_opt(2025, 2, 1)
        );
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2025-2-1",
            "2025-02-1",
            "2025-02-30",
            "2023-02-29",
            "2025-13-01",
            "01/02/2025",
            "2025/02/01",
            "+2025-02-01",
            "20250-02-01",
            " 2025-02-01",
            "2025-02-01 ",
            "2025-02-01T00:00:00Z",
            "２０２５-02-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn date_times_need_t_and_an_offset() {
        assert!(parse_date_time("2025-02-01T09:30:00Z").is_some());
        assert!(parse_date_time("2025-02-01T09:30:00.5+02:00").is_some());
        for bad in [
            "2025-02-01",
            "2025-02-01T09:30:00",
            "2025-02-01 09:30:00Z",
            "2025-2-01T09:30:00Z",
            "2025-02-30T09:30:00Z",
        ] {
            assert!(parse_date_time(bad).is_none(), "{bad:?}");
        }
    }
}
