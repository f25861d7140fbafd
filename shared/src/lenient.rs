//! Readers for values other automerge programs write in their own natural
//! way. A JavaScript client writes `"Иванова"` as a collaborative text object
//! and `12` as a signed integer; our records store a string scalar and an
//! unsigned one. Reading accepts both, writing keeps our layout, so a
//! document edited by a JavaScript automerge-repo peer stays readable.

use automerge::{ObjId, ObjType, ScalarValue, Value};
use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc};

/// A string stored either as a string scalar or as a text object.
pub(crate) fn text<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<String, HydrateError> {
    match doc.get(obj, &prop)? {
        Some((Value::Object(ObjType::Text), text)) => Ok(doc.text(&text)?),
        _ => String::hydrate(doc, obj, prop),
    }
}

/// A whole number stored as an unsigned or signed integer, or as a float
/// with no fractional part (JavaScript has only one number type).
pub(crate) fn whole<T, D>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<T, HydrateError>
where
    T: TryFrom<u64> + Hydrate,
    D: ReadDoc,
{
    let value = match doc.get(obj, &prop)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => u64::try_from(*i).ok(),
            ScalarValue::F64(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64 => Some(*f as u64),
            _ => None,
        },
        _ => None,
    };
    match value {
        Some(v) => T::try_from(v).map_err(|_| HydrateError::unexpected("a whole number in range", v.to_string())),
        None => T::hydrate(doc, obj, prop),
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};
    use autosurgeon::Hydrate;

    #[derive(Debug, PartialEq, Hydrate)]
    struct Record {
        #[autosurgeon(hydrate = "super::text")]
        name: String,
        #[autosurgeon(hydrate = "super::whole")]
        years: u32,
    }

    #[test]
    fn reads_text_objects_and_signed_integers() {
        let mut doc = AutoCommit::new();
        let name = doc.put_object(ROOT, "name", automerge::ObjType::Text).unwrap();
        doc.splice_text(&name, 0, 0, "Иванова").unwrap();
        doc.put(ROOT, "years", 12_i64).unwrap();
        let r: Record = autosurgeon::hydrate(&doc).unwrap();
        assert_eq!(r, Record { name: "Иванова".into(), years: 12 });
    }

    #[test]
    fn reads_our_own_layout_and_whole_floats() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "name", "Петров").unwrap();
        doc.put(ROOT, "years", 7.0_f64).unwrap();
        let r: Record = autosurgeon::hydrate(&doc).unwrap();
        assert_eq!(r, Record { name: "Петров".into(), years: 7 });
        doc.put(ROOT, "years", 7_u64).unwrap();
        assert_eq!(autosurgeon::hydrate::<_, Record>(&doc).unwrap().years, 7);
    }

    #[test]
    fn refuses_negative_fractional_and_out_of_range_numbers() {
        for bad in [ScalarCase::Int(-1), ScalarCase::F64(2.5), ScalarCase::Int(i64::from(u32::MAX) + 1)] {
            let mut doc = AutoCommit::new();
            doc.put(ROOT, "name", "x").unwrap();
            match bad {
                ScalarCase::Int(i) => doc.put(ROOT, "years", i).unwrap(),
                ScalarCase::F64(f) => doc.put(ROOT, "years", f).unwrap(),
            }
            assert!(autosurgeon::hydrate::<_, Record>(&doc).is_err(), "{bad:?} must not read as years");
        }
    }

    #[derive(Debug, Clone, Copy)]
    enum ScalarCase {
        Int(i64),
        F64(f64),
    }
}
