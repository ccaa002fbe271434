//! The comparison query in each server's dialect, and the check that both answers hold the same
//! objects: answers are normalised to their values in document order, field names dropped.

use serde_json::Value;

/// Liaison: 20 customer accounts by name -> their sides (first 20, by relationship id) with label
/// and direction -> the other account's name -> its sides -> the other account's name.
pub const LIAISON_QUERY: &str = "query Peers { accounts(first: 20) { nodes { name \
    relationships(first: 20) { nodes { label direction otherAccount { name \
    relationships(first: 20) { nodes { otherAccount { name } } } } } } } } }";

/// The same shape over PostGraphile's schema of the same tables (the bench's smart comments
/// name the relations as Liaison does; the root list and the orderings are PostGraphile's own).
pub const POSTGRAPHILE_QUERY: &str = "query Peers { allAccounts(first: 20, \
    orderBy: [NAME_ASC, PRIMARY_KEY_ASC], condition: { isCustomer: true }) { nodes { name \
    relationships(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { label direction otherAccount { name \
    relationships(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { otherAccount { name } } } } } } } } }";

/// The request body of a query without variables.
pub fn body(query: &str) -> String {
    serde_json::json!({ "query": query }).to_string()
}

/// An answer reduced to what both servers must agree on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalised {
    /// Every scalar, and every list's length, in document order.
    pub tokens: Vec<String>,
    /// Objects that are list items or hold a scalar (connection wrappers are not objects here).
    pub objects: usize,
}

impl Normalised {
    /// Reads a GraphQL response body: its `data`, which must be there without `errors`.
    pub fn of_response(body: &[u8]) -> Result<Normalised, String> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("not JSON ({e}): {}", short(body)))?;
        if value.get("errors").is_some() {
            return Err(format!("the answer has errors: {}", short(body)));
        }
        let data = value
            .get("data")
            .filter(|d| !d.is_null())
            .ok_or_else(|| format!("the answer has no data: {}", short(body)))?;
        let mut normalised = Normalised::default();
        normalised.walk(data, false);
        Ok(normalised)
    }

    fn walk(&mut self, value: &Value, in_list: bool) {
        match value {
            Value::Array(items) => {
                self.tokens.push(format!("[{}]", items.len()));
                for item in items {
                    self.walk(item, true);
                }
            }
            Value::Object(fields) => {
                if in_list || fields.values().any(|v| !v.is_array() && !v.is_object()) {
                    self.objects += 1;
                }
                for field in fields.values() {
                    self.walk(field, false);
                }
            }
            Value::String(text) => self.tokens.push(text.clone()),
            other => self.tokens.push(other.to_string()),
        }
    }
}

fn short(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(300).collect()
}

/// Checks that two answers hold the same objects with the same values in the same order.
pub fn compare(liaison: &Normalised, peer: &Normalised) -> Result<(), String> {
    if liaison.objects != peer.objects {
        return Err(format!(
            "Liaison answered {} objects, PostGraphile {}",
            liaison.objects, peer.objects
        ));
    }
    if let Some(at) = liaison
        .tokens
        .iter()
        .zip(&peer.tokens)
        .position(|(a, b)| a != b)
    {
        let from = at.saturating_sub(3);
        return Err(format!(
            "answers differ at value {at}: Liaison {:?}, PostGraphile {:?}",
            &liaison.tokens[from..(at + 3).min(liaison.tokens.len())],
            &peer.tokens[from..(at + 3).min(peer.tokens.len())]
        ));
    }
    if liaison.tokens.len() != peer.tokens.len() {
        return Err(format!(
            "Liaison answered {} values, PostGraphile {}",
            liaison.tokens.len(),
            peer.tokens.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIAISON: &str = r#"{"data":{"accounts":{"nodes":[{"name":"Acme","relationships":{"nodes":[
        {"label":"Customer of","direction":"REVERSE","otherAccount":{"name":"Partner One",
         "relationships":{"nodes":[{"otherAccount":{"name":"Acme"}}]}}}]}}]}}}"#;
    const POSTGRAPHILE: &str = r#"{"data":{"allAccounts":{"nodes":[{"name":"Acme","relationships":{"nodes":[
        {"label":"Customer of","direction":"REVERSE","otherAccount":{"name":"Partner One",
         "relationships":{"nodes":[{"otherAccount":{"name":"Acme"}}]}}}]}}]}}}"#;

    #[test]
    fn answers_that_differ_only_in_field_names_are_the_same() {
        let liaison = Normalised::of_response(LIAISON.as_bytes()).expect("liaison");
        let peer = Normalised::of_response(POSTGRAPHILE.as_bytes()).expect("peer");
        // An account, a side, its other account, that account's side and its other account.
        assert_eq!(liaison.objects, 5);
        assert_eq!(
            liaison.tokens,
            [
                "[1]",
                "Acme",
                "[1]",
                "Customer of",
                "REVERSE",
                "Partner One",
                "[1]",
                "Acme"
            ]
        );
        assert_eq!(compare(&liaison, &peer), Ok(()));
    }

    #[test]
    fn a_different_label_order_or_count_is_reported() {
        let liaison = Normalised::of_response(LIAISON.as_bytes()).expect("liaison");
        let relabelled = POSTGRAPHILE.replace("Customer of", "Partner of");
        let peer = Normalised::of_response(relabelled.as_bytes()).expect("peer");
        let why = compare(&liaison, &peer).expect_err("labels differ");
        assert!(why.contains("Partner of"), "{why}");
        let fewer =
            r#"{"data":{"allAccounts":{"nodes":[{"name":"Acme","relationships":{"nodes":[]}}]}}}"#;
        let peer = Normalised::of_response(fewer.as_bytes()).expect("peer");
        let why = compare(&liaison, &peer).expect_err("counts differ");
        assert!(why.contains("5 objects"), "{why}");
    }

    #[test]
    fn an_answer_with_errors_is_refused() {
        let body = br#"{"data":null,"errors":[{"message":"nope"}]}"#;
        assert!(Normalised::of_response(body).is_err());
    }
}
