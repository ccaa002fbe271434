//! INTERNAL_ROLE and TEAM_MEMBER.

use super::{Graph, Party::*, Team, principal, row};
use crate::access::{
    check::{Action, check},
    principal::{Identity, Role},
    rules::Rule::{InternalRole, TeamMember},
};

#[tokio::test]
async fn staff_read_by_role_or_through_a_team_in_force() {
    let g = Graph::new().await;
    let (account, other) = (g.account(None, false).await, g.account(None, false).await);
    let consumer = g.consumer().await;
    let home = g.household(None).await;
    let (agent_id, ravi_id, former_id) = (
        g.internal_user().await,
        g.internal_user().await,
        g.internal_user().await,
    );
    g.team_member(ravi_id, Team::Account(account), g.current())
        .await;
    g.team_member(ravi_id, Team::Household(home), g.current())
        .await;
    g.team_member(former_id, Team::Consumer(consumer), g.lapsed())
        .await;
    let of_account = g.case(&[Account(account)]).await;
    let of_other = g.case(&[Account(other)]).await;
    let of_consumer = g.case(&[Consumer(consumer)]).await;
    let of_home = g.case(&[Consumer(consumer), Household(home)]).await;

    let user = |id| Identity::InternalUser { id };
    let agent = principal(user(agent_id), &[Role::Agent]);
    let admin = principal(Identity::Unregistered, &[Role::Admin]);
    let ravi = principal(user(ravi_id), &[Role::RelationshipAgent]);
    let former = principal(user(former_id), &[Role::RelationshipAgent]);
    let unstored = principal(Identity::Unregistered, &[Role::RelationshipAgent]);
    let portal = principal(Identity::Unregistered, &[Role::Customer]);

    #[rustfmt::skip]
    let rows = [
        row("agent, any case", &agent, of_other, &[InternalRole]),
        row("admin with no stored user", &admin, of_consumer, &[InternalRole]),
        row("team of the case's account", &ravi, of_account, &[TeamMember]),
        row("team of the case's household", &ravi, of_home, &[TeamMember]),
        row("no team of another account", &ravi, of_other, &[]),
        row("no team of the consumer itself", &ravi, of_consumer, &[]),
        row("lapsed team member", &former, of_consumer, &[]).lapsed(&[TeamMember]),
        row("agent role, no stored user", &unstored, of_account, &[]),
        row("portal role, no stored person", &portal, of_account, &[]),
    ];
    g.assert_rows(&rows).await;

    // Both staff rules let their holder change the case's fields.
    for who in [&agent, &ravi] {
        let update = check(&g.db, who, Action::Update, of_account, g.today).await;
        assert!(update.expect("check"));
    }
}
