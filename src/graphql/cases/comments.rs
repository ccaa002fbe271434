//! `CaseComment`: a comment on a case.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, Result};
use entity::case_comment;

use crate::graphql::{
    ids::{self, Kind},
    node::{self, Node},
};

/// A comment on a case.
pub struct CaseComment(pub case_comment::Model);

/// A comment on a case.
#[Object]
impl CaseComment {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::CaseComment, self.0.id)
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Who wrote it, when the viewer may see them.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let Some(id) = self.0.author_id else {
            return Ok(None);
        };
        let kind = match self.0.author_kind.as_deref() {
            Some("CONTACT") => Kind::Contact,
            Some("CONSUMER") => Kind::Consumer,
            _ => Kind::InternalUser,
        };
        node::load(ctx, kind, id).await
    }
    /// The token subject that wrote it; null for portal principals when staff wrote it.
    async fn author_subject(&self, ctx: &Context<'_>) -> Option<&str> {
        super::case::visible_subject(
            ctx,
            self.0.author_kind.as_deref(),
            self.0.author_subject.as_deref(),
        )
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}
