//! Cascade reports (`removed { kind count ids }`) as maps, to compare with what a test expects.

use std::collections::BTreeMap;

use serde_json::Value;

/// A cascade report as kind -> sorted ids, checking each group's count.
pub fn removed(payload: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for group in payload["removed"].as_array().expect("removed list") {
        let mut ids: Vec<String> = group["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|id| id.as_str().expect("id").to_owned())
            .collect();
        assert_eq!(group["count"].as_u64(), Some(ids.len() as u64), "{group}");
        ids.sort();
        let kind = group["kind"].as_str().expect("kind").to_owned();
        assert!(
            out.insert(kind, ids).is_none(),
            "kind listed twice: {payload}"
        );
    }
    out
}

/// The expected cascade report: kind -> sorted ids.
pub fn expected(groups: &[(&str, &[&String])]) -> BTreeMap<String, Vec<String>> {
    groups
        .iter()
        .map(|(kind, ids)| {
            let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
            ids.sort();
            ((*kind).to_owned(), ids)
        })
        .collect()
}

/// A cascade's `cleared` list as sorted (kind, id, field) triples.
pub fn cleared(payload: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = payload["cleared"]
        .as_array()
        .expect("cleared list")
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().expect(key).to_owned();
            (text("kind"), text("id"), text("field"))
        })
        .collect();
    out.sort();
    out
}

/// The expected `cleared` list: (kind, id, field), sorted.
pub fn expected_cleared(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .map(|(k, i, f)| ((*k).to_owned(), (*i).to_owned(), (*f).to_owned()))
        .collect();
    out.sort();
    out
}
