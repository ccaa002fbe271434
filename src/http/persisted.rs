//! Persisted queries: Apollo's automatic persisted queries (a client sends a document's sha256 and
//! the server remembers documents sent with their hash) and trusted documents (only a manifest's
//! operations run). Each request's document text is resolved here, before the query limits see it.

use std::{
    collections::HashMap,
    num::NonZeroUsize,
    path::Path,
    sync::{Arc, Mutex},
};

use async_graphql::{Request, ServerError, Value};
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::{
    config::{Mode, PersistedQueriesConfig, PersistedQueriesMode},
    graphql::error::code,
};

/// The `format` Apollo's `generate-persisted-query-manifest` writes.
const APOLLO_FORMAT: &str = "apollo-persisted-query-manifest";
/// Longest id or hash accepted in `extensions.persistedQuery` or `documentId`.
const MAX_ID_LEN: usize = 256;
/// Where a request's `documentId` travels from the body reader to `PersistedQueries::resolve`.
pub const DOCUMENT_ID: &str = "documentId";

/// The server's persisted documents and the rule for which documents run.
pub struct PersistedQueries {
    mode: PersistedQueriesMode,
    /// Trusted documents by their manifest id and by the sha256 of their text.
    manifest: HashMap<String, Arc<str>>,
    /// Documents registered by clients (APQ), per process.
    apq: Mutex<ApqCache>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self::from_config(&PersistedQueriesConfig::default(), Mode::Development)
            .expect("the defaults name no manifest")
    }
}

impl PersistedQueries {
    /// Builds the store from the settings, reading the manifest if one is configured; the error
    /// says what is wrong with the settings or the file, to stop the server at start.
    pub fn from_config(config: &PersistedQueriesConfig, mode: Mode) -> Result<Self, String> {
        let mode = config.mode_in(mode);
        let manifest = match &config.manifest {
            Some(path) => load_manifest(path)?,
            None => HashMap::new(),
        };
        match mode {
            PersistedQueriesMode::Trusted if config.manifest.is_none() => {
                return Err(
                    "persisted queries are `trusted` but no trusted-documents manifest is \
                     configured (LIAISON_TRUSTED_DOCUMENTS)"
                        .into(),
                );
            }
            PersistedQueriesMode::Off if config.manifest.is_some() => {
                return Err(
                    "a trusted-documents manifest is configured (LIAISON_TRUSTED_DOCUMENTS) but \
                     persisted queries are `off`"
                        .into(),
                );
            }
            _ => {}
        }
        Ok(Self {
            mode,
            manifest,
            apq: Mutex::new(ApqCache::new(
                config.apq_cache_entries,
                config.apq_cache_bytes,
            )),
        })
    }

    /// The mode in force, for the start-up log.
    pub fn mode(&self) -> PersistedQueriesMode {
        self.mode
    }

    /// How many distinct trusted documents the manifest holds.
    pub fn trusted_documents(&self) -> usize {
        let mut documents: Vec<&str> = self.manifest.values().map(|d| &**d).collect();
        documents.sort_unstable();
        documents.dedup();
        documents.len()
    }

    /// Gives every request its document text (from the manifest or the APQ cache when it names one
    /// by hash) or refuses the request; the first refusal refuses the whole batch.
    pub fn resolve(&self, requests: &mut [Request]) -> Result<(), ServerError> {
        for request in requests {
            self.resolve_one(request).map_err(|refusal| {
                if refusal == Refusal::NotFound {
                    tracing::debug!("persisted query not found");
                } else {
                    tracing::info!(refused = refusal.message(), "persisted query refused");
                }
                refusal.into_server_error()
            })?;
        }
        Ok(())
    }

    fn resolve_one(&self, request: &mut Request) -> Result<(), Refusal> {
        let hash = persisted_hash(request)?;
        let sent = !request.query.is_empty();
        match (self.mode, hash) {
            (PersistedQueriesMode::Off, Some(_)) if !sent => Err(Refusal::NotSupported),
            (PersistedQueriesMode::Off | PersistedQueriesMode::Apq, None) => Ok(()),
            (PersistedQueriesMode::Off, Some(_)) => Ok(()),
            (PersistedQueriesMode::Apq, Some(hash)) if sent => {
                if sha256_hex(&request.query) != hash {
                    return Err(Refusal::Mismatch);
                }
                // Only a document that parses is remembered; the parse is kept for the limits check.
                if !self.manifest.contains_key(&hash) && request.parsed_query().is_ok() {
                    self.lock_apq().put(hash, &request.query);
                }
                Ok(())
            }
            (PersistedQueriesMode::Apq, Some(hash)) => {
                let document = match self.manifest.get(&hash) {
                    Some(document) => document.clone(),
                    None => self.lock_apq().get(&hash).ok_or(Refusal::NotFound)?,
                };
                request.query = document.to_string();
                Ok(())
            }
            (PersistedQueriesMode::Trusted, Some(hash)) => {
                let Some(document) = self.manifest.get(&hash) else {
                    return Err(if sent {
                        Refusal::NotTrusted
                    } else {
                        Refusal::NotFound
                    });
                };
                if sent && request.query != **document {
                    return Err(Refusal::Mismatch);
                }
                request.query = document.to_string();
                Ok(())
            }
            (PersistedQueriesMode::Trusted, None) => {
                // The full text of a trusted document is as trusted as its id.
                if sent && self.manifest.contains_key(&sha256_hex(&request.query)) {
                    Ok(())
                } else {
                    Err(Refusal::NotTrusted)
                }
            }
        }
    }

    fn lock_apq(&self) -> std::sync::MutexGuard<'_, ApqCache> {
        self.apq
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a request's document is not run.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// A hash this server does not know: the client resends it with the document.
    NotFound,
    /// A hash without a document while persisted queries are off: the client stops sending hashes.
    NotSupported,
    /// The document is not the one the hash names.
    Mismatch,
    /// `extensions.persistedQuery` is not `{version: 1, sha256Hash: "..."}`.
    Malformed(&'static str),
    /// A document outside the trusted-documents manifest.
    NotTrusted,
}

impl Refusal {
    fn message(&self) -> &'static str {
        match self {
            // Apollo's clients recognise these two messages.
            Self::NotFound => "PersistedQueryNotFound",
            Self::NotSupported => "PersistedQueryNotSupported",
            Self::Mismatch => "provided sha does not match query",
            Self::Malformed(message) => message,
            Self::NotTrusted => {
                "only trusted documents run on this server: send the operation's manifest id as \
                 extensions.persistedQuery.sha256Hash"
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => code::PERSISTED_QUERY_NOT_FOUND,
            Self::NotSupported => code::PERSISTED_QUERY_NOT_SUPPORTED,
            Self::Mismatch | Self::Malformed(_) => code::BAD_REQUEST,
            Self::NotTrusted => code::OPERATION_NOT_TRUSTED,
        }
    }

    fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", self.code());
        error
    }
}

/// The hash (or manifest id) the request names its document by, if it does: Apollo's
/// `extensions.persistedQuery.sha256Hash`, or a GraphQL-over-HTTP `documentId` (`sha256:<hex>` or a
/// manifest id), which the body reader hands over as `extensions.documentId`.
fn persisted_hash(request: &Request) -> Result<Option<String>, Refusal> {
    let document_id = request.extensions.get(DOCUMENT_ID);
    let Some(extension) = request.extensions.get("persistedQuery") else {
        return match document_id {
            None => Ok(None),
            Some(Value::String(id)) => {
                let id = id.strip_prefix("sha256:").unwrap_or(id);
                if id.is_empty() || id.len() > MAX_ID_LEN {
                    return Err(Refusal::Malformed(
                        "documentId must be a manifest id or `sha256:<hex>`",
                    ));
                }
                Ok(Some(normal_id(id)))
            }
            Some(_) => Err(Refusal::Malformed("documentId must be a string")),
        };
    };
    if document_id.is_some() {
        return Err(Refusal::Malformed(
            "send either documentId or extensions.persistedQuery, not both",
        ));
    }
    let Value::Object(fields) = extension else {
        return Err(Refusal::Malformed(
            "extensions.persistedQuery must be an object {version: 1, sha256Hash}",
        ));
    };
    match fields.get("version") {
        Some(Value::Number(version)) if version.as_i64() == Some(1) => {}
        _ => {
            return Err(Refusal::Malformed(
                "unsupported persisted query version: extensions.persistedQuery.version must be 1",
            ));
        }
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) if !hash.is_empty() && hash.len() <= MAX_ID_LEN => {
            Ok(Some(normal_id(hash)))
        }
        _ => Err(Refusal::Malformed(
            "extensions.persistedQuery.sha256Hash must be the document's sha256 in hex",
        )),
    }
}

/// Hex digests compare without regard to letter case; other ids are taken as they are.
fn normal_id(id: &str) -> String {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        id.to_ascii_lowercase()
    } else {
        id.to_owned()
    }
}

/// The lowercase hex sha256 of `text`, as APQ and manifests name documents.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The APQ documents, least recently used evicted first, bounded in entries and in bytes.
struct ApqCache {
    /// None when the entry bound is 0: nothing is registered.
    cache: Option<LruCache<String, Arc<str>>>,
    bytes: usize,
    max_bytes: usize,
}

impl ApqCache {
    fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            cache: NonZeroUsize::new(max_entries).map(LruCache::new),
            bytes: 0,
            max_bytes,
        }
    }

    fn get(&mut self, hash: &str) -> Option<Arc<str>> {
        self.cache.as_mut()?.get(hash).cloned()
    }

    fn put(&mut self, hash: String, document: &str) {
        let Some(cache) = self.cache.as_mut() else {
            return;
        };
        if document.len() > self.max_bytes || cache.get(&hash).is_some() {
            return;
        }
        self.bytes += document.len();
        if let Some((_, evicted)) = cache.push(hash, document.into()) {
            self.bytes -= evicted.len();
        }
        while self.bytes > self.max_bytes {
            match cache.pop_lru() {
                Some((_, evicted)) => self.bytes -= evicted.len(),
                None => break,
            }
        }
    }
}

/// Reads and checks a trusted-documents manifest; every error names the file.
fn load_manifest(path: &Path) -> Result<HashMap<String, Arc<str>>, String> {
    let fail = |reason: String| format!("trusted-documents manifest {}: {reason}", path.display());
    let text = std::fs::read_to_string(path).map_err(|err| fail(format!("cannot read: {err}")))?;
    index_manifest(parse_manifest(&text).map_err(fail)?).map_err(fail)
}

/// The (id, document) pairs of a manifest: a plain `{"<id>": "<document>"}` map (Relay's
/// persisted output, Apollo's persisted query list) or Apollo's `apollo-persisted-query-manifest`.
pub fn parse_manifest(text: &str) -> Result<Vec<(String, String)>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not valid JSON ({err})"))?;
    let serde_json::Value::Object(object) = json else {
        return Err("must be a JSON object".into());
    };
    let entries = if let Some(format) = object.get("format") {
        if format != APOLLO_FORMAT {
            return Err(format!(
                "unknown `format` {format} (expected \"{APOLLO_FORMAT}\")"
            ));
        }
        if object.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
            return Err(format!("`{APOLLO_FORMAT}` must be `\"version\": 1`"));
        }
        let Some(operations) = object.get("operations").and_then(|o| o.as_array()) else {
            return Err("`operations` must be an array".into());
        };
        operations
            .iter()
            .enumerate()
            .map(|(index, operation)| {
                let text = |key: &str| operation.get(key).and_then(|v| v.as_str());
                match (text("id"), text("body")) {
                    (Some(id), Some(body)) => Ok((id.to_owned(), body.to_owned())),
                    _ => Err(format!(
                        "operations[{index}] must have string `id` and `body`"
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        object
            .into_iter()
            .map(|(id, document)| match document {
                serde_json::Value::String(document) => Ok((id, document)),
                _ => Err(format!("the document of `{id}` must be a string")),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    if entries.is_empty() {
        return Err("holds no operations".into());
    }
    Ok(entries)
}

/// Indexes each document by its id and by its sha256 (so APQ-style hashes find it whatever ids
/// the manifest uses), refusing a document that does not parse and a key naming two documents.
fn index_manifest(entries: Vec<(String, String)>) -> Result<HashMap<String, Arc<str>>, String> {
    let mut index: HashMap<String, Arc<str>> = HashMap::new();
    for (id, body) in entries {
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return Err(format!("id `{id}` must be 1 to {MAX_ID_LEN} characters"));
        }
        if let Err(err) = async_graphql::parser::parse_query(&body) {
            let at = err
                .positions()
                .next()
                .map(|pos| format!(" at line {}, column {}", pos.line, pos.column))
                .unwrap_or_default();
            return Err(format!(
                "the document of `{id}` does not parse as GraphQL{at}"
            ));
        }
        let body: Arc<str> = body.into();
        for key in [normal_id(&id), sha256_hex(&body)] {
            match index.get(&key) {
                Some(other) if **other != *body => {
                    return Err(format!("`{key}` names two different documents"));
                }
                _ => {
                    index.insert(key, body.clone());
                }
            }
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apq_cache_stays_within_its_byte_bound_evicting_the_least_recently_used() {
        let mut cache = ApqCache::new(10, 10);
        cache.put("a".into(), "aaaa");
        cache.put("b".into(), "bbbb");
        assert!(cache.get("a").is_some());
        cache.put("c".into(), "cccc");
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        assert_eq!(cache.bytes, 8);
        cache.put("d".into(), "too long for the cache");
        assert!(cache.get("d").is_none());
    }

    #[test]
    fn the_apq_cache_stays_within_its_entry_bound() {
        let mut cache = ApqCache::new(2, 1000);
        for key in ["a", "b", "c"] {
            cache.put(key.into(), key);
        }
        assert!(cache.get("a").is_none());
        assert_eq!(cache.bytes, 2);
        let mut off = ApqCache::new(0, 1000);
        off.put("a".into(), "a");
        assert!(off.get("a").is_none());
    }

    #[test]
    fn a_manifest_that_is_not_a_map_of_documents_is_refused_with_its_reason() {
        for (text, reason) in [
            ("[]", "must be a JSON object"),
            ("{}", "holds no operations"),
            ("{\"a\": 1}", "the document of `a` must be a string"),
            ("{\"format\": \"x\"}", "unknown `format`"),
            (
                "{\"format\": \"apollo-persisted-query-manifest\", \"version\": 2, \"operations\": []}",
                "must be `\"version\": 1`",
            ),
            (
                "{\"format\": \"apollo-persisted-query-manifest\", \"version\": 1, \"operations\": [{\"id\": \"x\"}]}",
                "operations[0] must have string `id` and `body`",
            ),
            ("{", "not valid JSON"),
        ] {
            let err = parse_manifest(text).expect_err(text);
            assert!(err.contains(reason), "{text}: {err}");
        }
        let err = index_manifest(vec![("x".into(), "query {".into())]).expect_err("bad document");
        assert!(
            err.contains("`x` does not parse as GraphQL at line"),
            "{err}"
        );
        let err = index_manifest(vec![
            ("x".into(), "{ viewer { id } }".into()),
            ("x".into(), "{ accounts { totalCount } }".into()),
        ])
        .expect_err("one id, two documents");
        assert!(err.contains("`x` names two different documents"), "{err}");
    }
}
