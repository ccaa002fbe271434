//! DOMAIN.md §6 "Decisions" at engine level: inactive types grant nothing, a team member's stored
//! role is a continuous precondition, roles add up across identities, and opening a case is one
//! decision that stamps a partner only for a partner account.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{Graph, Party::*, contact_as, principal, row};
use crate::access::{
    explain::explain,
    identity::resolve,
    may_create::{Opening, Prospect, opening},
    principal::{Identity, Principal, Role},
    rules::Rule::{
        OwnAccount, OwnCase, OwnConsumerCase, PartnerRelationship, Representative, TeamMember,
    },
    who_can_access::who_can_read,
};

/// The reason `rule` gives `who` for not granting `case`.
async fn reason(
    g: &Graph,
    who: &Principal,
    case: Uuid,
    rule: crate::access::rules::Rule,
) -> String {
    let explanation = explain(&g.db, who, case, g.today).await.expect("explain");
    let denial = explanation.denials.into_iter().find(|d| d.rule == rule);
    denial.expect("a denial of the rule").reason
}

#[tokio::test]
async fn an_inactive_type_grants_nothing_and_the_denial_names_it() {
    let g = Graph::new().await;
    let kind = g.relationship_type(true, "DERIVED").await;
    let (gsi, abc) = (g.account(None, true).await, g.account(None, false).await);
    g.account_relationship(kind, gsi, abc, g.current()).await;
    let peter = g.contact(gsi).await;
    let of_abc = g.case(&[Account(abc)]).await;
    let partner_admin = contact_as(peter, gsi, &[Role::PartnerAdmin]);
    let for_abc = Prospect {
        account_id: Some(abc),
        ..Prospect::default()
    };

    g.assert_rows(&[row(
        "active type",
        &partner_admin,
        of_abc,
        &[PartnerRelationship],
    )])
    .await;
    g.set("account_relationship_types", kind, "active", false)
        .await;
    g.assert_rows(&[row("inactive type", &partner_admin, of_abc, &[])])
        .await;
    let why = reason(&g, &partner_admin, of_abc, PartnerRelationship).await;
    assert!(why.contains("inactive"), "{why}");
    let may = opening(&g.db, &partner_admin, for_abc, g.today).await;
    assert!(
        !may.expect("opening").allowed,
        "an inactive type lets no case be opened"
    );

    g.set("account_relationship_types", kind, "active", true)
        .await;
    g.assert_rows(&[row(
        "reactivated",
        &partner_admin,
        of_abc,
        &[PartnerRelationship],
    )])
    .await;
}

#[tokio::test]
async fn a_team_member_grants_only_while_the_stored_role_is_held() {
    let g = Graph::new().await;
    let account = g.account(None, false).await;
    let ravi_id = g.internal_user().await;
    let manager_duty = g.duty_requiring(Role::RelationshipAgent).await;
    g.team_member_with(ravi_id, account, manager_duty).await;
    let of_account = g.case(&[Account(account)]).await;
    // The token carries the role throughout; only the stored assignment changes.
    let ravi = principal(
        Identity::InternalUser { id: ravi_id },
        &[Role::RelationshipAgent],
    );
    let readers = |g: &Graph| {
        let db = g.db.clone();
        let today = g.today;
        async move {
            who_can_read(&db, of_account, today)
                .await
                .expect("who can read")
                .into_iter()
                .map(|(p, _)| p.identity)
                .collect::<Vec<_>>()
        }
    };

    g.assert_rows(&[row("role not stored", &ravi, of_account, &[])])
        .await;
    let why = reason(&g, &ravi, of_account, TeamMember).await;
    assert!(why.contains("stored role"), "{why}");
    assert!(!readers(&g).await.contains(&ravi.identity));

    g.assign_role(ravi_id, Role::RelationshipAgent).await;
    g.assert_rows(&[row("role stored", &ravi, of_account, &[TeamMember])])
        .await;
    assert!(readers(&g).await.contains(&ravi.identity));

    g.revoke_roles(ravi_id).await;
    g.assert_rows(&[row("role revoked", &ravi, of_account, &[])])
        .await;
    assert!(!readers(&g).await.contains(&ravi.identity));
}

#[tokio::test]
async fn roles_add_up_across_identities() {
    let g = Graph::new().await;
    let acme = g.account(None, false).await;
    let (jane, john) = (g.consumer().await, g.consumer().await);
    let contact = g.contact(acme).await;
    g.consumer_relationship(jane, john, None, g.current()).await;
    let janes = g.case(&[Consumer(jane)]).await;
    let johns = g.case(&[Consumer(john)]).await;
    let acmes = g.case(&[Account(acme), Contact(contact)]).await;
    g.set("consumers", jane, "subject", "jane").await;
    g.set("contacts", contact, "subject", "both").await;
    g.set("consumers", john, "subject", "both").await;
    let roles = |roles: &[Role]| roles.iter().copied().collect::<BTreeSet<Role>>();

    // A consumer whose token also carries a contact role keeps every consumer rule.
    let jane_too = resolve(
        &g.db,
        "jane".into(),
        roles(&[Role::Consumer, Role::Customer]),
    )
    .await
    .expect("resolve");
    assert_eq!(jane_too.identity, Identity::Consumer { id: jane });
    g.assert_rows(&[
        row("own case", &jane_too, janes, &[OwnConsumerCase]),
        row("represented", &jane_too, johns, &[Representative]),
        row("no account case", &jane_too, acmes, &[]),
    ])
    .await;
    let for_herself = Prospect {
        consumer_id: Some(jane),
        ..Prospect::default()
    };
    let may = opening(&g.db, &jane_too, for_herself, g.today).await;
    assert!(may.expect("opening").allowed);

    // A subject that is a contact and a consumer gets the rules of both.
    let both = resolve(
        &g.db,
        "both".into(),
        roles(&[Role::Consumer, Role::CustomerCaseManager]),
    )
    .await
    .expect("resolve");
    assert_eq!(both.contact(), Some((contact, acme)));
    assert_eq!(both.consumer(), Some(john));
    g.assert_rows(&[
        row("as contact", &both, acmes, &[OwnCase, OwnAccount]),
        row("as consumer", &both, johns, &[OwnConsumerCase]),
        row("neither", &both, janes, &[]),
    ])
    .await;
    // One role kind alone picks only its identity.
    let contact_only = resolve(&g.db, "both".into(), roles(&[Role::Customer]))
        .await
        .expect("resolve");
    assert_eq!(contact_only.consumer(), None);
}

#[tokio::test]
async fn opening_stamps_a_partner_only_for_a_partner_account() {
    let g = Graph::new().await;
    let kind = g.relationship_type(true, "DERIVED").await;
    let (reseller, customer) = (g.account(None, false).await, g.account(None, false).await);
    let gsi = g.account(None, true).await;
    g.account_relationship(kind, reseller, customer, g.current())
        .await;
    g.account_relationship(kind, gsi, customer, g.current())
        .await;
    let (carl, peter) = (g.contact(reseller).await, g.contact(gsi).await);
    let for_customer = Prospect {
        account_id: Some(customer),
        ..Prospect::default()
    };

    // A partner-role contact of a customer-only account: allowed, and not stamped.
    let carl = contact_as(carl, reseller, &[Role::Partner]);
    let decided = opening(&g.db, &carl, for_customer, g.today).await;
    assert_eq!(
        decided.expect("opening"),
        Opening {
            allowed: true,
            contact_id: None,
            stamp: None
        }
    );
    // A partner account's contact is stamped.
    let peter_admin = contact_as(peter, gsi, &[Role::PartnerAdmin]);
    let decided = opening(&g.db, &peter_admin, for_customer, g.today)
        .await
        .expect("opening");
    assert!(decided.allowed);
    assert_eq!(decided.stamp.map(|s| s.partner_id), Some(gsi));
}
