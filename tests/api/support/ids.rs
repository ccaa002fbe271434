//! Global IDs as the API builds them (`base64url("Kind:uuid")`), for tests that take them apart.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// The uuid inside a global ID.
pub fn uuid_of(id: &str) -> uuid::Uuid {
    let bytes = URL_SAFE_NO_PAD
        .decode(id)
        .unwrap_or_else(|_| panic!("not a global ID: {id}"));
    let text = String::from_utf8(bytes).expect("utf-8 global ID");
    let (_, uuid) = text.split_once(':').expect("Kind:uuid");
    uuid.parse().expect("uuid")
}

/// A global ID of `kind` for `uuid`.
pub fn global_id(kind: &str, uuid: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{uuid}"))
}

/// The same row's ID as another kind.
pub fn as_kind(id: &str, kind: &str) -> String {
    global_id(kind, &uuid_of(id).to_string())
}

/// A well-formed ID of `kind` that names no row.
pub fn missing_id(kind: &str) -> String {
    global_id(kind, &uuid::Uuid::now_v7().to_string())
}
