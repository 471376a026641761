//! Seeds in files: written as decimal strings, so that readers holding JSON
//! numbers as doubles (JavaScript, many JSON tools) do not round seeds above
//! 2⁵³; read from a whole number ≥ 0 or such a string, so that every seed
//! senesim writes (half of them are ≥ 2⁶³, beyond a TOML integer) can be
//! given back to it.
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

pub const RULE: &str =
    "a seed is a whole number from 0 to 18446744073709551615, written as an integer or as a string (\"9747296951538400168\")";

pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

struct Seed;
impl Visitor<'_> for Seed {
    type Value = u64;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(RULE)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{v}: {RULE}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        let t = v.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(x) = t.parse() {
                return Ok(x);
            }
        }
        Err(E::custom(format!(
            "\"{}\": {RULE}",
            crate::text::printable(v)
        )))
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(Seed)
}

/// A list of seeds, each as `seed_text`.
pub mod list {
    use serde::ser::SerializeSeq;
    use serde::Serializer;
    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(v.len()))?;
        for x in v {
            q.serialize_element(&x.to_string())?;
        }
        q.end()
    }
}

/// An optional seed (a sweep file's `seed`).
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    #[derive(Deserialize)]
    struct W(#[serde(with = "super")] u64);
    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => super::serialize(x, s),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
    }
}
