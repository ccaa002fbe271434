//! Concurrent writers: for every uniqueness and overlap rule, 16 requests sent at once store exactly
//! one row and every other request gets CONFLICT (PostgreSQL is where it matters; SQLite queues
//! its writers and must answer the same way).

use entity::{
    account, account_relationship, account_relationship_type, consumer, consumer_relationship,
    contact, contact_relationship, household_membership, internal_user, responsibility_definition,
    team_member,
};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::{
    ADD_TEAM_MEMBER, CREATE_CONSUMER_RELATIONSHIP, CREATE_CONTACT_RELATIONSHIP, CREATE_DEFINITION,
    CREATE_TYPE, Reply, TestApp, account, assert_error, consumer, contact, create_type, customer,
    customer_under, day, define_responsibility, household, partner, partner_account_type,
    relationship_agent, responsibility, uuid_of,
};

/// How many requests each race sends at once.
const RACERS: usize = 16;

/// Sends every (mutation, input) pair at the same time as the admin and waits for all replies.
async fn race(app: &TestApp, requests: Vec<(&str, Value)>) -> Vec<Reply> {
    let token = app.admin();
    join_all(
        requests
            .into_iter()
            .map(|(query, input)| app.gql(Some(&token), query, json!({ "i": input }))),
    )
    .await
}

/// Asserts that exactly one reply succeeded and every other one is CONFLICT (on `field` when given).
fn assert_one_winner(replies: &[Reply], field: Option<&str>) {
    let winners = replies
        .iter()
        .filter(|r| r.body.get("errors").is_none())
        .count();
    let bodies: Vec<&Value> = replies.iter().map(|r| &r.body).collect();
    assert_eq!(winners, 1, "expected exactly one winner: {bodies:?}");
    for reply in replies.iter().filter(|r| r.body.get("errors").is_some()) {
        assert_error(reply, "CONFLICT", field);
    }
}

/// The same mutation `RACERS` times, with the input built for each racer.
fn same(query: &str, input: impl Fn(usize) -> Value) -> Vec<(&str, Value)> {
    (0..RACERS).map(|i| (query, input(i))).collect()
}

/// `word` with the letter case of each character chosen by the bits of `n`.
fn cased(word: &str, n: usize) -> String {
    word.chars()
        .enumerate()
        .map(|(i, c)| {
            if n >> (i % usize::BITS as usize) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_team_responsibility_gets_one_holder_per_account() {
    let app = TestApp::spawn().await;
    let target = customer(&app, "Contested").await;
    let mut agents = Vec::new();
    for i in 0..RACERS {
        agents.push(relationship_agent(&app, &format!("Agent {i}"), None).await);
    }
    let manager_role = responsibility(&app, "Account Manager").await;
    let replies = race(
        &app,
        same(
            ADD_TEAM_MEMBER,
            |i| json!({"userId": agents[i], "targetId": target, "responsibilityId": manager_role}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("responsibilityId"));
    let stored = team_member::Entity::find()
        .filter(team_member::Column::AccountId.eq(uuid_of(&target)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_household_team_responsibility_gets_one_holder() {
    let app = TestApp::spawn().await;
    let home = household(&app, "Contested home", None).await;
    let mut agents = Vec::new();
    for i in 0..RACERS {
        agents.push(relationship_agent(&app, &format!("Agent {i}"), None).await);
    }
    let replies = race(
        &app,
        same(
            ADD_TEAM_MEMBER,
            |i| json!({"userId": agents[i], "targetId": home}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("responsibilityId"));
    let stored = team_member::Entity::find()
        .filter(team_member::Column::HouseholdId.eq(uuid_of(&home)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_team_member_added_at_once_is_stored_once() {
    let app = TestApp::spawn().await;
    let target = customer(&app, "Contested").await;
    let agent = relationship_agent(&app, "Agent", None).await;
    let helper = define_responsibility(&app, "Helper", "USER", false, None).await;
    let replies = race(
        &app,
        same(
            ADD_TEAM_MEMBER,
            |_| json!({"userId": agent, "targetId": target, "responsibilityId": helper}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("userId"));
    let stored = team_member::Entity::find()
        .filter(team_member::Column::AccountId.eq(uuid_of(&target)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_contact_responsibility_gets_one_holder_per_account() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "Parent").await;
    let child = customer_under(&app, "Child", &parent).await;
    let mut people = Vec::new();
    for i in 0..RACERS {
        people.push(contact(&app, &child, &format!("Person {i}"), None).await);
    }
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", true, None).await;
    let replies = race(
        &app,
        same(
            CREATE_CONTACT_RELATIONSHIP,
            |i| json!({"accountId": parent, "contactId": people[i], "responsibilityId": duty}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("responsibilityId"));
    let stored = contact_relationship::Entity::find()
        .filter(contact_relationship::Column::AccountId.eq(uuid_of(&parent)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symmetric_relationship_and_its_mirror_sent_at_once_store_one() {
    let app = TestApp::spawn().await;
    let sibling = create_type(
        &app,
        "Sibling",
        "ACCOUNT",
        "ACCOUNT",
        "Sibling of",
        "Sibling of",
    )
    .await;
    let x = customer(&app, "X").await;
    let y = customer(&app, "Y").await;
    let replies = race(
        &app,
        same(
            "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id } } }",
            |i| {
                let (from, to) = if i % 2 == 0 { (&x, &y) } else { (&y, &x) };
                json!({"typeId": sibling, "fromId": from, "toId": to})
            },
        ),
    )
    .await;
    assert_one_winner(&replies, Some("toId"));
    let stored = account_relationship::Entity::find()
        .filter(account_relationship::Column::TypeId.eq(uuid_of(&sibling)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_account_relationship_sent_at_once_is_stored_once() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = partner(&app, "GSI").await;
    let abc = customer(&app, "ABC").await;
    let replies = race(
        &app,
        same(
            "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id } } }",
            |_| json!({"typeId": kind, "fromId": gsi, "toId": abc}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("toId"));
    let stored = account_relationship::Entity::find()
        .filter(account_relationship::Column::FromId.eq(uuid_of(&gsi)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_memberships_sent_at_once_store_one() {
    let app = TestApp::spawn().await;
    let home = household(&app, "Home", None).await;
    let person = consumer(&app, "Pat", None).await;
    let starts: Vec<String> = (0..RACERS).map(|i| day(&app, -(i as i64))).collect();
    let replies = race(
        &app,
        same(
            "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
            |i| json!({"householdId": home, "consumerId": person, "startDate": starts[i]}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("consumerId"));
    let stored = household_membership::Entity::find()
        .filter(household_membership::Column::ConsumerId.eq(uuid_of(&person)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_consumer_relationship_sent_at_once_is_stored_once() {
    let app = TestApp::spawn().await;
    let a = consumer(&app, "A", None).await;
    let b = consumer(&app, "B", None).await;
    let replies = race(
        &app,
        same(
            CREATE_CONSUMER_RELATIONSHIP,
            |_| json!({"consumerId": a, "relatedConsumerId": b}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("relatedConsumerId"));
    let stored = consumer_relationship::Entity::find()
        .filter(consumer_relationship::Column::ConsumerId.eq(uuid_of(&a)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationship_type_names_are_unique_whatever_their_case() {
    let app = TestApp::spawn().await;
    let before = account_relationship_type::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let replies = race(
        &app,
        same(CREATE_TYPE, |i| {
            json!({"name": cased("reseller", i), "sourceKind": "PARTNER", "targetKind": "ACCOUNT",
                   "forwardLabel": "Resells to", "reverseLabel": "Buys from"})
        }),
    )
    .await;
    assert_one_winner(&replies, Some("name"));
    let after = account_relationship_type::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(after, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responsibility_names_are_unique_whatever_their_case() {
    let app = TestApp::spawn().await;
    let before = responsibility_definition::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let replies = race(
        &app,
        same(
            CREATE_DEFINITION,
            |i| json!({"name": cased("billing contact", i), "kind": "CONTACT"}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("name"));
    let after = responsibility_definition::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(after, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_subject_goes_to_one_person_across_contacts_consumers_and_users() {
    let app = TestApp::spawn().await;
    let home = customer(&app, "Home").await;
    let requests = (0..RACERS)
        .map(|i| match i % 3 {
            0 => (
                "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
                json!({"accountId": home, "name": format!("Contact {i}"), "subject": "same.person"}),
            ),
            1 => (
                "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
                json!({"name": format!("Consumer {i}"), "subject": "same.person"}),
            ),
            _ => (
                "mutation($i: CreateInternalUserInput!) { createInternalUser(input: $i) { internalUser { id } } }",
                json!({"name": format!("User {i}"), "subject": "same.person"}),
            ),
        })
        .collect();
    let replies = race(&app, requests).await;
    assert_one_winner(&replies, Some("subject"));
    let stored = contact::Entity::find()
        .filter(contact::Column::Subject.eq("same.person"))
        .count(&app.db)
        .await
        .expect("count")
        + consumer::Entity::find()
            .filter(consumer::Column::Subject.eq("same.person"))
            .count(&app.db)
            .await
            .expect("count")
        + internal_user::Entity::find()
            .filter(internal_user::Column::Subject.eq("same.person"))
            .count(&app.db)
            .await
            .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_account_number_goes_to_one_account() {
    let app = TestApp::spawn().await;
    let replies = race(
        &app,
        same(
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
            |i| json!({"name": format!("Racer {i}"), "number": "ACC-RACE", "isCustomer": true}),
        ),
    )
    .await;
    assert_one_winner(&replies, Some("number"));
    let stored = account::Entity::find()
        .filter(account::Column::Number.eq("ACC-RACE"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parents_set_at_once_never_close_a_cycle() {
    let app = TestApp::spawn().await;
    let mut ring = Vec::new();
    for i in 0..RACERS {
        ring.push(customer(&app, &format!("Ring {i}")).await);
    }
    let replies = race(
        &app,
        same(
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            |i| json!({"id": ring[i], "parentId": ring[(i + 1) % RACERS]}),
        ),
    )
    .await;
    let refused: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.body.get("errors").is_some())
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "one parent change must close the ring and be refused"
    );
    assert_error(refused[0], "BAD_USER_INPUT", Some("parentId"));
    let with_parent = account::Entity::find()
        .filter(account::Column::ParentId.is_not_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(with_parent, RACERS as u64 - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn making_a_responsibility_unique_while_holders_are_added_keeps_one_holder() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "Parent").await;
    let child = customer_under(&app, "Child", &parent).await;
    let mut people = Vec::new();
    for i in 0..RACERS - 1 {
        people.push(contact(&app, &child, &format!("Person {i}"), None).await);
    }
    let duty = define_responsibility(&app, "Escalation Contact", "CONTACT", false, None).await;
    let mut requests: Vec<(&str, Value)> = people
        .iter()
        .map(|person| {
            (
                CREATE_CONTACT_RELATIONSHIP,
                json!({"accountId": parent, "contactId": person, "responsibilityId": duty}),
            )
        })
        .collect();
    requests.insert(
        RACERS / 2,
        (
            "mutation($i: UpdateResponsibilityDefinitionInput!) { updateResponsibilityDefinition(input: $i) { responsibilityDefinition { id isUnique } } }",
            json!({"id": duty, "isUnique": true}),
        ),
    );
    let replies = race(&app, requests).await;
    for reply in replies.iter().filter(|r| r.body.get("errors").is_some()) {
        assert_error(reply, "CONFLICT", None);
    }
    let unique = responsibility_definition::Entity::find_by_id(uuid_of(&duty))
        .one(&app.db)
        .await
        .expect("read")
        .expect("definition")
        .is_unique;
    let holders = contact_relationship::Entity::find()
        .filter(contact_relationship::Column::ResponsibilityId.eq(uuid_of(&duty)))
        .count(&app.db)
        .await
        .expect("count");
    if unique {
        assert_eq!(
            holders, 1,
            "a unique responsibility ended with {holders} holders"
        );
    } else {
        assert!(
            holders >= 2,
            "the definition stayed non-unique with {holders} holder(s)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_is_partner_while_relationships_are_added_leaves_no_mismatch() {
    let app = TestApp::spawn().await;
    let kind = partner_account_type(&app).await;
    let gsi = account(&app, "GSI", true, true, None).await;
    let mut customers = Vec::new();
    for i in 0..RACERS - 1 {
        customers.push(customer(&app, &format!("Customer {i}")).await);
    }
    let mut requests: Vec<(&str, Value)> = customers
        .iter()
        .map(|c| {
            (
                "mutation($i: CreateAccountRelationshipInput!) { createAccountRelationship(input: $i) { accountRelationship { id } } }",
                json!({"typeId": kind, "fromId": gsi, "toId": c}),
            )
        })
        .collect();
    requests.insert(
        RACERS / 2,
        (
            "mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id } } }",
            json!({"id": gsi, "isPartner": false}),
        ),
    );
    let replies = race(&app, requests).await;
    for reply in replies.iter().filter(|r| r.body.get("errors").is_some()) {
        let code = reply.code();
        assert!(
            code == "CONFLICT" || code == "BAD_USER_INPUT",
            "unexpected refusal {}",
            reply.body
        );
    }
    let is_partner = account::Entity::find_by_id(uuid_of(&gsi))
        .one(&app.db)
        .await
        .expect("read")
        .expect("account")
        .is_partner;
    let relationships = account_relationship::Entity::find()
        .filter(
            Condition::all()
                .add(account_relationship::Column::FromId.eq(uuid_of(&gsi)))
                .add(account_relationship::Column::TypeId.eq(uuid_of(&kind))),
        )
        .count(&app.db)
        .await
        .expect("count");
    assert!(
        is_partner || relationships == 0,
        "GSI lost its partner flag but is the partner side of {relationships} relationship(s)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_acting_for_an_account_is_never_moved_onto_it_while_given_more_duties() {
    let app = TestApp::spawn().await;
    let parent = customer(&app, "Parent").await;
    let child = customer_under(&app, "Child", &parent).await;
    let ann = contact(&app, &child, "Ann", None).await;
    let mut duties = Vec::new();
    for i in 0..=RACERS / 2 {
        duties
            .push(define_responsibility(&app, &format!("Duty {i}"), "CONTACT", false, None).await);
    }
    crate::support::link(&app, &parent, &ann, &duties[0]).await;
    let mut requests: Vec<(&str, Value)> = Vec::new();
    for duty in &duties[1..] {
        requests.push((
            CREATE_CONTACT_RELATIONSHIP,
            json!({"accountId": parent, "contactId": ann, "responsibilityId": duty}),
        ));
        requests.push((
            "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
            json!({"id": ann, "accountId": parent}),
        ));
    }
    let replies = race(&app, requests).await;
    for (i, reply) in replies.iter().enumerate() {
        if i % 2 == 0 {
            reply.data();
        } else {
            assert_error(reply, "CONFLICT", Some("accountId"));
        }
    }
    let home = contact::Entity::find_by_id(uuid_of(&ann))
        .one(&app.db)
        .await
        .expect("read")
        .expect("contact")
        .account_id;
    assert_eq!(
        home,
        uuid_of(&child),
        "Ann was moved onto the account she acts for"
    );
    let held = contact_relationship::Entity::find()
        .filter(contact_relationship::Column::ContactId.eq(uuid_of(&ann)))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(held, duties.len() as u64);
}
