//! PARTNER_CONTACT, PARTNER_RELATIONSHIP and partner stamping.

use uuid::Uuid;

use super::{
    Graph, Party,
    Party::{Account, Partner},
    contact_as, principal, row,
};
use crate::access::{
    explain::explain,
    may_create::{Prospect, may_create},
    principal::{Identity, Principal, Role},
    rules::{
        Rule::{OwnAccount, PartnerContact, PartnerRelationship},
        partner::{PartnerStamp, stamp},
    },
};

#[tokio::test]
async fn partners_read_the_cases_of_the_customers_they_are_partner_of() {
    let g = Graph::new().await;
    let derived = g.relationship_type(true, "DERIVED").await;
    let stamped = g.relationship_type(true, "STAMPED").await;
    let plain = g.relationship_type(false, "DERIVED").await;
    let gsi = g.account(None, true).await;
    let abc = g.account(None, false).await;
    let xyz = g.account(None, false).await;
    let old = g.account(None, false).await;
    let nog = g.account(None, false).await;
    g.account_relationship(derived, gsi, abc, g.current()).await;
    g.account_relationship(stamped, gsi, xyz, g.current()).await;
    g.account_relationship(derived, gsi, old, g.lapsed()).await;
    g.account_relationship(plain, gsi, nog, g.current()).await;
    let peter = g.contact(gsi).await;
    let of_abc = g.case(&[Account(abc)]).await;
    let stamped_xyz = g.case(&[Account(xyz), Partner(gsi)]).await;
    let unstamped_xyz = g.case(&[Account(xyz)]).await;
    let of_old = g.case(&[Account(old)]).await;
    let of_nog = g.case(&[Account(nog)]).await;
    let worked = g
        .case(&[Account(nog), Partner(gsi), Party::PartnerContact(peter)])
        .await;
    let of_gsi = g.case(&[Account(gsi)]).await;

    let partner_admin = contact_as(peter, gsi, &[Role::PartnerAdmin]);
    let partner = contact_as(peter, gsi, &[Role::Partner]);

    let admin = &partner_admin;
    #[rustfmt::skip]
    let rows = [
        row("DERIVED customer", admin, of_abc, &[PartnerRelationship]),
        row("STAMPED customer, stamped case", admin, stamped_xyz, &[PartnerRelationship]),
        row("STAMPED customer, other case", admin, unstamped_xyz, &[]),
        row("lapsed relationship", admin, of_old, &[]).lapsed(&[PartnerRelationship]),
        row("type without partner access", admin, of_nog, &[]),
        row("case its contact works", admin, worked, &[]),
        row("its own account", admin, of_gsi, &[OwnAccount]),
        row("partner, a case it works", &partner, worked, &[PartnerContact]),
        row("partner, DERIVED customer", &partner, of_abc, &[PartnerRelationship]),
    ];
    g.assert_rows(&rows).await;

    // Denials say which relationship fell short.
    let reason = |case| denial_reason(&g, &partner_admin, case);
    assert!(reason(unstamped_xyz).await.contains("STAMPED policy"));
    assert!(
        reason(of_nog)
            .await
            .contains("does not grant partner case access")
    );

    // Stamping: a partner contact opening a case for another account is its partner contact.
    let expected = PartnerStamp {
        partner_id: gsi,
        partner_contact_id: peter,
    };
    assert_eq!(stamp(&partner_admin, Some(xyz), true), Some(expected));
    assert_eq!(stamp(&partner, None, true), Some(expected));
    assert_eq!(stamp(&partner_admin, Some(gsi), true), None);
    assert_eq!(
        stamp(&contact_as(peter, gsi, &[Role::Customer]), Some(xyz), true),
        None
    );
    assert_eq!(
        stamp(
            &principal(Identity::Unregistered, &[Role::Admin]),
            Some(xyz),
            true
        ),
        None
    );

    // Opening a case follows the read rules on the stamped row: a STAMPED customer only once stamped.
    let prospect = |account, partner: Option<PartnerStamp>| Prospect {
        account_id: Some(account),
        partner_id: partner.map(|s| s.partner_id),
        ..Prospect::default()
    };
    for (account, stamped, allowed) in [
        (xyz, true, true),
        (xyz, false, false),
        (abc, false, true),
        (nog, true, false),
        (gsi, false, true),
    ] {
        let stamping = stamped
            .then(|| stamp(&partner_admin, Some(account), true))
            .flatten();
        let may = may_create(&g.db, &partner_admin, prospect(account, stamping), g.today)
            .await
            .expect("may create");
        assert_eq!(
            may, allowed,
            "may create for {account} (stamped: {stamped})"
        );
    }
}

/// Why PARTNER_RELATIONSHIP does not grant `who` the case.
async fn denial_reason(g: &Graph, who: &Principal, case: Uuid) -> String {
    let explanation = explain(&g.db, who, case, g.today).await.expect("explain");
    let denial = explanation
        .denials
        .into_iter()
        .find(|d| d.rule == PartnerRelationship);
    denial.expect("a partner relationship denial").reason
}
