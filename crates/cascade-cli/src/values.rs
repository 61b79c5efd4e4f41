//! Small command-line values that are checked as they are read: a count of at least 1
//! (repetitions, stacks, trials) and a `LO..HI` range.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A count of at least 1 (`--reps`, `--stack`, `--trials`, a grid's `reps`): 0 is refused
/// where it is read, so nothing downstream checks it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Count(usize);

impl Count {
    /// Ten, the default of most counts.
    pub const TEN: Count = Count(10);

    /// `n`, or the reason it is not a count.
    pub fn new(n: usize) -> Result<Self, String> {
        if n == 0 {
            return Err("must be at least 1".into());
        }
        Ok(Self(n))
    }

    /// The count.
    pub fn get(self) -> usize {
        self.0
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Count {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let n = s
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("'{s}' is not a whole number"))?;
        Self::new(n)
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0 as u64)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(deserializer)?;
        let n = usize::try_from(n).map_err(serde::de::Error::custom)?;
        Self::new(n).map_err(serde::de::Error::custom)
    }
}

/// A range `LO..HI` of two numbers, shown as it was written (`1e-4..1`). Whether the bounds
/// suit their use (LO < HI, LO > 0 on a log scale) is for that use to say.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
    text: String,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Range {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (low, high) = text
            .split_once("..")
            .ok_or_else(|| format!("'{text}': expected LO..HI, e.g. 0.001..0.5"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<f64>()
                .map_err(|_| format!("'{text}': '{part}' is not a number"))
        };
        Ok(Self {
            low: number(low)?,
            high: number(high)?,
            text: text.to_string(),
        })
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_refuse_zero_where_they_are_read() {
        assert_eq!("3".parse::<Count>().unwrap().get(), 3);
        assert_eq!("0".parse::<Count>().unwrap_err(), "must be at least 1");
        assert!("x".parse::<Count>().unwrap_err().contains("'x'"));
        let error = serde_json::from_str::<Count>("0").unwrap_err().to_string();
        assert!(error.contains("must be at least 1"), "{error}");
        assert_eq!(serde_json::to_string(&Count(4)).unwrap(), "4");
    }

    #[test]
    fn ranges_keep_their_text() {
        let range: Range = "1e-4..1".parse().unwrap();
        assert_eq!((range.low, range.high), (1e-4, 1.0));
        assert_eq!(range.to_string(), "1e-4..1");
        assert!(
            "0.1-1"
                .parse::<Range>()
                .unwrap_err()
                .contains("expected LO..HI")
        );
        assert!(
            "a..1"
                .parse::<Range>()
                .unwrap_err()
                .contains("'a' is not a number")
        );
    }
}
