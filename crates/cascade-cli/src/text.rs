//! Typed settings as text in serde: a value is written as its `Display` text and read back
//! through its `FromStr`, the same parser clap uses on the command line, so a grid file's
//! `allocation = "hybrid:1,2"` or `eta = 0.01` meets exactly the checks and messages that
//! `--allocation hybrid:1,2` or `--eta 0.01` meets, and a results file shows each value as a
//! user would type it.
//!
//! Use with `#[serde(with = "crate::text")]` (and `text::option`, `text::list`,
//! `text::option_list` for `Option<T>`, `Vec<T>` and `Option<Vec<T>>`).

use std::fmt::{self, Display};
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};

/// Writes `value` as its `Display` text.
pub fn serialize<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads a value through its `FromStr` from text, a number or a boolean (`eta = 0.01` reads
/// as `--eta 0.01`).
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    let text = deserializer.deserialize_any(Scalar)?;
    parse(&text)
}

fn parse<T, E>(text: &str) -> Result<T, E>
where
    T: FromStr,
    T::Err: Display,
    E: de::Error,
{
    text.parse().map_err(E::custom)
}

/// Text, a number or a boolean, as the text a command line would hold.
struct Scalar;

impl Visitor<'_> for Scalar {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    /// Rust writes the shortest text that reads back as the same `f64`.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// One element of a list, read as [`Scalar`] text.
struct Item(String);

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Scalar).map(Item)
    }
}

/// A value read through [`deserialize`], so that serde's own `Option` can wrap it.
struct Parsed<T>(T);

impl<'de, T> Deserialize<'de> for Parsed<T>
where
    T: FromStr,
    T::Err: Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(Parsed)
    }
}

/// A list read through [`list::deserialize`], so that serde's own `Option` can wrap it.
struct ParsedList<T>(Vec<T>);

impl<'de, T> Deserialize<'de> for ParsedList<T>
where
    T: FromStr,
    T::Err: Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        list::deserialize(deserializer).map(ParsedList)
    }
}

/// A list of texts: a sequence, or one comma-separated text (as `--methods a,b` takes it).
struct Texts;

impl<'de> Visitor<'de> for Texts {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or comma-separated text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(v.split(',').map(str::to_string).collect())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut items = Vec::new();
        while let Some(Item(text)) = seq.next_element()? {
            items.push(text);
        }
        Ok(items)
    }
}

/// `Option<T>` as text: `None` is absent (null).
pub mod option {
    use super::*;

    /// Writes `Some` as its `Display` text, `None` as null.
    pub fn serialize<T: Display, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    /// Reads null as `None`, anything else through `FromStr`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        // serde's own `Option` reads null (and unit) as `None`; `Parsed` reads the rest.
        Ok(Option::<Parsed<T>>::deserialize(deserializer)?.map(|p| p.0))
    }
}

/// `Vec<T>` as a list of texts; read from a list or one comma-separated text.
pub mod list {
    use super::*;

    /// Writes each element as its `Display` text.
    pub fn serialize<T: Display, S: Serializer>(
        values: &[T],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(values.len()))?;
        for value in values {
            seq.serialize_element(&value.to_string())?;
        }
        seq.end()
    }

    /// Reads a list (or comma-separated text), each element through `FromStr`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let texts = deserializer.deserialize_any(Texts)?;
        texts.iter().map(|t| parse(t)).collect()
    }
}

/// `Option<Vec<T>>` as [`list`], `None` as null.
pub mod option_list {
    use super::*;

    /// Writes `Some` as a list of texts, `None` as null.
    pub fn serialize<T: Display, S: Serializer>(
        values: &Option<Vec<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match values {
            Some(values) => super::list::serialize(values, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads null as `None`, anything else as [`list`].
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        Ok(Option::<ParsedList<T>>::deserialize(deserializer)?.map(|p| p.0))
    }
}

/// Words such as `--data KIND PATH`'s: a list, or one text as a list of one (never split, since
/// a path may hold commas).
pub mod words {
    use super::*;

    /// Reads a list of texts, or one text.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        struct Words;
        impl<'de> Visitor<'de> for Words {
            type Value = Vec<String>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of texts, or one text")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
                Ok(vec![v.to_string()])
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<String>, A::Error> {
                Texts.visit_seq(seq)
            }
        }
        deserializer.deserialize_any(Words)
    }
}

/// A number that may also be given as text (`divergence-factor = "inf"`).
pub mod float {
    use super::*;

    /// Reads a number, or text through `f64`'s `FromStr` (`inf` included).
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        super::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use cascade::budget::Allocation;
    use cascade::method::Method;
    use cascade::train::Eta;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Settings {
        #[serde(with = "crate::text")]
        eta: Eta,
        #[serde(with = "crate::text::option")]
        allocation: Option<Allocation>,
        #[serde(with = "crate::text::option_list")]
        methods: Option<Vec<Method>>,
        #[serde(deserialize_with = "crate::text::words::deserialize")]
        data: Vec<String>,
        #[serde(deserialize_with = "crate::text::float::deserialize")]
        factor: f64,
    }

    #[test]
    fn values_read_from_text_or_numbers_and_write_as_text() {
        let read: Settings = serde_json::from_str(
            r#"{"eta": 0.01, "allocation": "hybrid:1,2", "methods": "indiv,mst-gradient",
                "data": "synthetic", "factor": "inf"}"#,
        )
        .unwrap();
        assert_eq!(read.eta, Eta::Fixed(0.01));
        assert_eq!(read.allocation, Some(Allocation::Hybrid { a: 1.0, b: 2.0 }));
        assert_eq!(
            read.methods.as_ref().unwrap()[1].to_string(),
            "mst-gradient"
        );
        assert_eq!(read.data, ["synthetic"]);
        assert_eq!(read.factor, f64::INFINITY);
        let json = serde_json::to_value(&read).unwrap();
        assert_eq!(json["eta"], "0.01");
        assert_eq!(json["allocation"], "hybrid:1,2");
        assert_eq!(
            json["methods"],
            serde_json::json!(["indiv", "mst-gradient"])
        );
        let auto: Settings = serde_json::from_str(
            r#"{"eta": "auto", "allocation": null, "methods": ["star"], "data": ["a", "b,c"],
                "factor": 2}"#,
        )
        .unwrap();
        assert_eq!(
            (auto.eta, auto.allocation, auto.factor),
            (Eta::Auto, None, 2.0)
        );
        assert_eq!(auto.data, ["a", "b,c"]);
    }

    #[test]
    fn bad_values_carry_the_library_message() {
        let error = serde_json::from_str::<Settings>(
            r#"{"eta": 0.01, "allocation": "sideways", "methods": null, "data": [], "factor": 1}"#,
        )
        .unwrap_err()
        .to_string();
        let library = "sideways".parse::<Allocation>().unwrap_err().to_string();
        assert!(error.contains(&library), "{error}");
        let error = serde_json::from_str::<Settings>(
            r#"{"eta": -1, "allocation": null, "methods": null, "data": [], "factor": 1}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("eta"), "{error}");
    }
}
