//! OWN_CONSUMER_CASE, REPRESENTATIVE, HOUSEHOLD_MEMBER and HEAD_OF_HOUSEHOLD.

use super::{Graph, Party::*, principal, row};
use crate::access::{
    principal::{Identity, Role},
    rules::Rule::{HeadOfHousehold, HouseholdMember, OwnConsumerCase, Representative},
};

#[tokio::test]
async fn consumers_read_their_own_represented_and_household_cases() {
    let g = Graph::new().await;
    let (jane_id, john_id, kid_id) = (g.consumer().await, g.consumer().await, g.consumer().await);
    let (rep_id, former_id) = (g.consumer().await, g.consumer().await);
    let outsider_id = g.consumer().await;
    let home = g.household(Some(jane_id)).await;
    g.membership(home, jane_id, g.current()).await;
    g.membership(home, john_id, g.current()).await;
    g.membership(home, kid_id, g.lapsed()).await;
    g.consumer_relationship(rep_id, jane_id, None, g.current())
        .await;
    g.consumer_relationship(former_id, jane_id, None, g.lapsed())
        .await;
    g.consumer_relationship(john_id, kid_id, Some(home), g.current())
        .await;
    let janes = g.case(&[Consumer(jane_id)]).await;
    let johns = g.case(&[Consumer(john_id)]).await;
    let kids = g.case(&[Consumer(kid_id)]).await;
    let of_home = g.case(&[Consumer(john_id), Household(home)]).await;
    let opened = g.case(&[Consumer(outsider_id), OpenedBy(jane_id)]).await;

    let as_consumer = |id| principal(Identity::Consumer { id }, &[Role::Consumer]);
    let (jane, john, kid) = (
        as_consumer(jane_id),
        as_consumer(john_id),
        as_consumer(kid_id),
    );
    let (rep, former) = (as_consumer(rep_id), as_consumer(former_id));
    let outsider = as_consumer(outsider_id);

    #[rustfmt::skip]
    let rows = [
        row("head, its own case", &jane, janes, &[OwnConsumerCase, HeadOfHousehold]),
        row("consumer, a case it opened", &jane, opened, &[OwnConsumerCase]),
        row("head, the household's case", &jane, of_home, &[HouseholdMember, HeadOfHousehold]),
        row("head, a member's case", &jane, johns, &[HeadOfHousehold]),
        row("head, a former member's case", &jane, kids, &[]),
        row("member, the household's case", &john, of_home, &[OwnConsumerCase, HouseholdMember]),
        row("member, the head's case", &john, janes, &[]),
        row("represents a former member", &john, kids, &[]),
        row("representative", &rep, janes, &[Representative]),
        row("former representative", &former, janes, &[]).lapsed(&[Representative]),
        row("former member", &kid, of_home, &[]).lapsed(&[HouseholdMember]),
        row("unrelated consumer", &outsider, janes, &[]),
    ];
    g.assert_rows(&rows).await;
}
