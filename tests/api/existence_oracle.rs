//! No existence oracle: to a portal principal, a case it cannot read answers every question
//! (checks, explanations, nodes, mutations) byte for byte as a case that does not exist; staff
//! still see denials explained. Portal principals never see staff members' sign-in subjects.

use serde_json::{Value, json};

use crate::support::{
    ADMIN, PortalConsumer, PortalContact, StaffUser, TestApp, account_case, comment, consumer_case,
    create_case, create_case_as, customer, id, missing_id,
};

/// POSTs `query` with `variables` as `token`; returns the status and the body exactly as sent.
async fn raw(app: &TestApp, token: &str, query: &str, variables: Value) -> (u16, String) {
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Every question a portal principal can ask about one case, with `$c` the case ID.
const QUESTIONS: [&str; 9] = [
    "query($c: ID!) { accessCheck(action: READ, caseId: $c) { allowed explanation { allowed grants { rule } denials { rule reason lapsed { label } } } } }",
    "query($c: ID!) { accessCheck(action: COMMENT, caseId: $c) { allowed explanation { allowed denials { rule reason } } } }",
    "query($c: ID!) { accessCheck(action: UPDATE, caseId: $c) { allowed explanation { allowed denials { rule reason } } } }",
    "query($c: ID!) { accessCheck(action: CLOSE, caseId: $c) { allowed explanation { allowed denials { rule reason } } } }",
    "query($c: ID!) { node(id: $c) { id ... on Case { accessExplanation { allowed denials { reason } } } } }",
    "query($c: ID!) { nodes(ids: [$c]) { id } }",
    "mutation($c: ID!) { addCaseComment(input: {caseId: $c, body: \"hello?\"}) { comment { id } } }",
    "mutation($c: ID!) { resolveCase(id: $c) { case { id } } }",
    "mutation($c: ID!) { changeCaseState(id: $c, state: IN_PROGRESS) { case { id } } }",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_case_answers_exactly_as_a_missing_one() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    let xyz = customer(&app, "XYZ Ltd").await;
    let alice = PortalContact::customer(&app, &abc, "Alice Brown", "alice.brown").await;
    let john = PortalConsumer::new(&app, "John Smith", "john.smith").await;
    let mary = PortalConsumer::new(&app, "Mary Major", "mary.major").await;
    let unreadable = [
        account_case(&app, &xyz, "XYZ's printer").await,
        consumer_case(&app, &mary.id, "Mary's router").await,
    ];
    let missing = missing_id("Case");
    for (who, token) in [("contact", &alice.token), ("consumer", &john.token)] {
        for case in &unreadable {
            for question in QUESTIONS {
                let theirs = raw(&app, token, question, json!({"c": case})).await;
                let nothing = raw(&app, token, question, json!({"c": missing})).await;
                assert_eq!(
                    theirs, nothing,
                    "{who}: an unreadable case differs from a missing one for {question}"
                );
            }
        }
    }

    // Opening a case for an account or consumer it cannot see answers as for one that does not exist.
    let create_for = [
        "query($t: ID!) { accessCheck(action: CREATE_FOR, accountId: $t) { allowed explanation { allowed } } }",
        "mutation($t: ID!) { createCase(input: {accountId: $t, shortDescription: \"hi\"}) { case { id } } }",
    ];
    for question in create_for {
        let theirs = raw(&app, &alice.token, question, json!({"t": xyz})).await;
        let nothing = raw(
            &app,
            &alice.token,
            question,
            json!({"t": missing_id("Account")}),
        )
        .await;
        assert_eq!(
            theirs, nothing,
            "an unseen account differs from a missing one: {question}"
        );
    }
    let consumer_for = create_for.map(|q| q.replace("accountId", "consumerId"));
    for question in &consumer_for {
        let theirs = raw(&app, &john.token, question, json!({"t": mary.id})).await;
        let nothing = raw(
            &app,
            &john.token,
            question,
            json!({"t": missing_id("Consumer")}),
        )
        .await;
        assert_eq!(
            theirs, nothing,
            "an unseen consumer differs from a missing one: {question}"
        );
    }

    // Positive control: their own case is explained, and staff see the denial explained.
    let own = id(&create_case(
        &app,
        json!({"shortDescription": "Alice's printer", "accountId": abc, "contactId": alice.id}),
    )
    .await);
    let data = app.ok(&alice.token, QUESTIONS[0], json!({"c": own})).await;
    assert_eq!(data["accessCheck"]["allowed"], true, "{data}");
    assert_eq!(
        data["accessCheck"]["explanation"]["allowed"], true,
        "{data}"
    );
    let about_alice = "query($c: ID!, $p: ID!) { accessCheck(action: READ, caseId: $c, principalId: $p) { allowed explanation { denials { rule reason } } } }";
    let data = app
        .ok(
            &app.admin(),
            about_alice,
            json!({"c": unreadable[0], "p": alice.id}),
        )
        .await;
    assert_eq!(data["accessCheck"]["allowed"], false, "{data}");
    let denials = data["accessCheck"]["explanation"]["denials"]
        .as_array()
        .expect("staff see the denials");
    assert!(!denials.is_empty(), "{data}");
    let data = app
        .ok(
            &app.admin(),
            about_alice,
            json!({"c": missing, "p": alice.id}),
        )
        .await;
    assert_eq!(data["accessCheck"]["explanation"], Value::Null, "{data}");
    // A relationship agent (staff without every case) is told why too.
    let agent = StaffUser::relationship_agent(&app, "Rita Agent", "rita.agent").await;
    let data = app
        .ok(&agent.token, QUESTIONS[0], json!({"c": unreadable[0]}))
        .await;
    assert_eq!(data["accessCheck"]["allowed"], false, "{data}");
    assert!(
        data["accessCheck"]["explanation"]["denials"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{data}"
    );
}

const SUBJECTS: &str = "query($c: ID!) { node(id: $c) { ... on Case { openedBySubject comments { nodes { body authorSubject } } } } }";

/// `(openedBySubject, [(body, authorSubject)])` of a case as `token` reads it.
async fn subjects(app: &TestApp, token: &str, case: &str) -> (Value, Vec<(String, Value)>) {
    let data = app.ok(token, SUBJECTS, json!({"c": case})).await;
    let case = &data["node"];
    assert!(case.is_object(), "case not readable: {data}");
    let comments = case["comments"]["nodes"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| {
            (
                c["body"].as_str().expect("body").to_owned(),
                c["authorSubject"].clone(),
            )
        })
        .collect();
    (case["openedBySubject"].clone(), comments)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_principals_do_not_see_staff_subjects() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    let alice = PortalContact::customer(&app, &abc, "Alice Brown", "alice.brown").await;
    let john = PortalConsumer::new(&app, "John Smith", "john.smith").await;
    let ada = StaffUser::new(&app, "Ada Admin", "ada.admin", ADMIN).await;

    // Opened by a stored internal user; commented on by staff and by the contact.
    let by_staff = id(&create_case_as(
        &app,
        &ada.token,
        json!({"shortDescription": "Printer on fire", "accountId": abc, "contactId": alice.id}),
    )
    .await);
    comment(&app, Some(&ada.token), &by_staff, "from Ada")
        .await
        .data();
    comment(
        &app,
        Some(&app.admin()),
        &by_staff,
        "from an unregistered admin",
    )
    .await
    .data();
    comment(&app, Some(&alice.token), &by_staff, "from Alice")
        .await
        .data();

    let (opened, comments) = subjects(&app, &alice.token, &by_staff).await;
    assert_eq!(opened, Value::Null, "a contact sees a staff opener");
    assert_eq!(
        comments,
        vec![
            ("from Ada".to_owned(), Value::Null),
            ("from an unregistered admin".to_owned(), Value::Null),
            ("from Alice".to_owned(), json!("alice.brown")),
        ]
    );
    // Staff see every subject.
    let (opened, comments) = subjects(&app, &ada.token, &by_staff).await;
    assert_eq!(opened, "ada.admin");
    assert_eq!(
        comments.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>(),
        vec![
            json!("ada.admin"),
            json!("test.admin"),
            json!("alice.brown")
        ]
    );

    // A case the contact opened shows its own subject; a consumer's too.
    let by_alice = id(&create_case_as(
        &app,
        &alice.token,
        json!({"shortDescription": "Toner", "accountId": abc}),
    )
    .await);
    assert_eq!(
        subjects(&app, &alice.token, &by_alice).await.0,
        "alice.brown"
    );
    let johns = consumer_case(&app, &john.id, "Router").await;
    comment(&app, Some(&ada.token), &johns, "from Ada")
        .await
        .data();
    comment(&app, Some(&john.token), &johns, "from John")
        .await
        .data();
    let (opened, comments) = subjects(&app, &john.token, &johns).await;
    assert_eq!(opened, Value::Null, "a consumer sees a staff opener");
    assert_eq!(
        comments,
        vec![
            ("from Ada".to_owned(), Value::Null),
            ("from John".to_owned(), json!("john.smith")),
        ]
    );
}
