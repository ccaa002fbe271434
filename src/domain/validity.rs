//! Validity periods shared by every relationship kind: optional first and last day, both inclusive.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition};

use super::{DomainError, DomainResult};

/// The optional order and validity dates every relationship carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    pub sort_order: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Validity {
    /// Refuses a period that ends before it starts.
    pub fn check(&self) -> DomainResult<()> {
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            return Err(DomainError::invalid(
                "validTo",
                "validTo is before validFrom",
            ));
        }
        Ok(())
    }

    /// Whether the period covers `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| to >= day)
    }
}

/// Rows whose `from`..=`to` period covers `day` (an absent bound is open).
pub fn in_force<C: ColumnTrait>(from: C, to: C, day: NaiveDate) -> Condition {
    Condition::all()
        .add(Condition::any().add(from.is_null()).add(from.lte(day)))
        .add(Condition::any().add(to.is_null()).add(to.gte(day)))
}

/// What a cascade removed (or, on a dry run, would remove): row ids by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub kinds: Vec<(&'static str, Vec<uuid::Uuid>)>,
}

impl Removal {
    /// Records `ids` of `kind`, skipping empty groups.
    pub fn add(&mut self, kind: &'static str, ids: Vec<uuid::Uuid>) {
        if !ids.is_empty() {
            self.kinds.push((kind, ids));
        }
    }
}

/// Sets the order and validity dates of one relationship row of `E` (every relationship table has
/// `sort_order`, `valid_from`, `valid_to` and `updated_at`), audited as `audit_kind` (manager or admin).
pub async fn set<E>(
    ctx: &super::Ctx,
    id: uuid::Uuid,
    validity: Validity,
    kind: &'static str,
    audit_kind: &str,
) -> DomainResult<E::Model>
where
    E: crate::pagination::Pageable,
    E::Column: std::str::FromStr,
{
    use sea_orm::{QueryFilter, sea_query::Expr};

    super::access::require_relationship_manager(&ctx.principal)?;
    validity.check()?;
    let column = |name: &str| {
        name.parse::<E::Column>()
            .map_err(|_| DomainError::Internal(format!("{kind} has no {name} column")))
    };
    let txn = ctx.write().await?;
    super::rows::require::<E>(&txn, id, kind).await?;
    E::update_many()
        .col_expr(column("sort_order")?, Expr::value(validity.sort_order))
        .col_expr(column("valid_from")?, Expr::value(validity.valid_from))
        .col_expr(column("valid_to")?, Expr::value(validity.valid_to))
        .col_expr(column("updated_at")?, Expr::value(ctx.clock.now()))
        .filter(E::id_column().eq(id))
        .exec(&txn)
        .await?;
    let model = super::rows::require::<E>(&txn, id, kind).await?;
    let details = serde_json::json!({
        "order": validity.sort_order, "validFrom": validity.valid_from, "validTo": validity.valid_to
    });
    super::audit::record(ctx, &txn, "update", audit_kind, id, details).await?;
    txn.commit().await?;
    Ok(model)
}
