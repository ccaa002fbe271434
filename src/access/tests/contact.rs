//! OWN_CASE, OWN_ACCOUNT, DESCENDANT_ACCOUNT and CONTACT_RELATIONSHIP.

use super::{Graph, Party::*, contact_as, principal, row};
use crate::access::{
    check::{Action, check},
    principal::{Identity, Role},
    rules::Rule::{ContactRelationship, DescendantAccount, OwnAccount, OwnCase},
};

#[tokio::test]
async fn contacts_read_own_cases_their_account_its_subtree_and_related_accounts() {
    let g = Graph::new().await;
    let parent = g.account(None, false).await;
    let own = g.account(Some(parent), false).await;
    let child = g.account(Some(own), false).await;
    let grandchild = g.account(Some(child), false).await;
    let elsewhere = g.account(None, false).await;
    let (related, formerly) = (g.account(None, false).await, g.account(None, false).await);
    let alice = g.contact(own).await;
    g.contact_relationship(alice, related, g.current()).await;
    g.contact_relationship(alice, formerly, g.lapsed()).await;
    let of_own = g.case(&[Account(own)]).await;
    let of_grandchild = g.case(&[Account(grandchild)]).await;
    let of_parent = g.case(&[Account(parent)]).await;
    let of_related = g.case(&[Account(related)]).await;
    let of_formerly = g.case(&[Account(formerly)]).await;
    let hers = g.case(&[Account(own), Contact(alice)]).await;
    let opened = g.case(&[Account(elsewhere), OpenedBy(alice)]).await;

    let customer = contact_as(alice, own, &[Role::Customer]);
    let manager = contact_as(alice, own, &[Role::CustomerCaseManager]);
    let admin = contact_as(alice, own, &[Role::CustomerAdmin]);
    let unstored = principal(Identity::Unregistered, &[Role::Customer]);

    #[rustfmt::skip]
    let rows = [
        row("customer, opened elsewhere", &customer, opened, &[OwnCase]),
        row("customer, its contact case", &customer, hers, &[OwnCase]),
        row("customer, its account's case", &customer, of_own, &[]),
        row("customer, related account", &customer, of_related, &[ContactRelationship]),
        row("customer, lapsed relation", &customer, of_formerly, &[]).lapsed(&[ContactRelationship]),
        row("case manager, own account", &manager, of_own, &[OwnAccount]),
        row("case manager, contact case", &manager, hers, &[OwnCase, OwnAccount]),
        row("case manager, two levels below", &manager, of_grandchild, &[DescendantAccount]),
        row("case manager, the account above", &manager, of_parent, &[]),
        row("case manager, related account", &manager, of_related, &[]),
        row("customer admin, related account", &admin, of_related, &[ContactRelationship]),
        row("customer admin, own account", &admin, of_own, &[OwnAccount]),
        row("customer admin, below its account", &admin, of_grandchild, &[]),
        row("customer role, no stored contact", &unstored, opened, &[]),
    ];
    g.assert_rows(&rows).await;

    // Portal contacts read, comment, resolve and close; only staff rules change fields.
    let may = |action| check(&g.db, &manager, action, of_own, g.today);
    assert!(may(Action::Comment).await.expect("check"));
    assert!(!may(Action::Update).await.expect("check"));
}
