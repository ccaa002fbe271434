//! Strict input: dates are exactly `YYYY-MM-DD` and real, no string carries a NUL, control
//! characters only where text is multi-line, priorities are 1-4, `CREATE_FOR` asks about one
//! thing. Each refusal is `BAD_USER_INPUT` naming the field, and writes nothing (every table's row
//! count is the same before and after).

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::support::{
    CREATE_ACCOUNT_RELATIONSHIP, Reply, TestApp, account_case, admin_ok, comment, consumer,
    customer, household, partner, partner_account_type,
};

/// Rows per table, straight from the database.
pub async fn row_counts(app: &TestApp) -> BTreeMap<String, i64> {
    let backend = app.db.get_database_backend();
    let list = match backend {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        _ => "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'",
    };
    let tables = app
        .db
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .expect("list tables");
    let mut counts = BTreeMap::new();
    for row in tables {
        let table: String = row.try_get("", "t").expect("table name");
        let count = app
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{table}\""),
            ))
            .await
            .expect("count rows")
            .expect("one row");
        counts.insert(table, count.try_get::<i64>("", "n").expect("count"));
    }
    counts
}

/// Asserts the reply is `BAD_USER_INPUT` on `field` with no data.
fn assert_bad_input(reply: &Reply, field: &str, why: &str) {
    assert_eq!(reply.code(), "BAD_USER_INPUT", "{why}: {}", reply.body);
    assert_eq!(reply.field(), field, "{why}: {}", reply.body);
    assert!(
        reply.body["data"].is_null()
            || reply.body["data"]
                .as_object()
                .is_some_and(|o| o.values().all(Value::is_null)),
        "{why}: {}",
        reply.body
    );
}

/// Sends `query` as the admin and asserts it is refused on `field` with nothing written.
async fn refused_writing_nothing(
    app: &TestApp,
    query: &str,
    variables: Value,
    field: &str,
    why: &str,
) {
    let before = row_counts(app).await;
    let reply = app.gql(Some(&app.admin()), query, variables).await;
    assert_bad_input(&reply, field, why);
    assert_eq!(row_counts(app).await, before, "{why}: rows changed");
}

const BAD_DATES: [&str; 6] = [
    "2025-2-1",
    "2025-02-30",
    "01/02/2025",
    "2025-02-01T00:00:00Z",
    " 2025-02-01",
    "",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_must_be_yyyy_mm_dd_and_a_real_day_as_variables_and_literals() {
    let app = TestApp::spawn().await;
    let (from, to, kind) = (
        partner(&app, "GSI Tech").await,
        customer(&app, "ABC Corp").await,
        partner_account_type(&app).await,
    );
    let input =
        |field: &str, date: &str| json!({"typeId": kind, "fromId": from, "toId": to, field: date});
    for bad in BAD_DATES {
        // The whole input as a variable.
        for field in ["validFrom", "validTo"] {
            refused_writing_nothing(
                &app,
                CREATE_ACCOUNT_RELATIONSHIP,
                json!({"i": input(field, bad)}),
                field,
                &format!("variable input, {field} {bad:?}"),
            )
            .await;
        }
        // A date variable inside a literal input.
        refused_writing_nothing(
            &app,
            &format!(
                "mutation($d: Date) {{ createAccountRelationship(input: {{typeId: \"{kind}\", \
                 fromId: \"{from}\", toId: \"{to}\", validTo: $d}}) {{ accountRelationship {{ id }} }} }}"
            ),
            json!({"d": bad}),
            "validTo",
            &format!("date variable {bad:?}"),
        )
        .await;
        // A literal.
        refused_writing_nothing(
            &app,
            &format!(
                "mutation {{ createAccountRelationship(input: {{typeId: \"{kind}\", \
                 fromId: \"{from}\", toId: \"{to}\", validFrom: {}}}) {{ accountRelationship {{ id }} }} }}",
                json!(bad)
            ),
            json!({}),
            "validFrom",
            &format!("literal {bad:?}"),
        )
        .await;
    }

    // Memberships take the same scalar.
    let smith = consumer(&app, "John Smith", None).await;
    let home = household(&app, "Smith household", None).await;
    refused_writing_nothing(
        &app,
        "mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { membership { id } } }",
        json!({"i": {"householdId": home, "consumerId": smith, "startDate": "2025-2-1"}}),
        "startDate",
        "membership start",
    )
    .await;

    // Positive control: the same mutation with a well-formed date is stored and read back as written.
    let data = admin_ok(
        &app,
        CREATE_ACCOUNT_RELATIONSHIP,
        json!({"i": input("validFrom", "2024-02-29")}),
    )
    .await;
    assert_eq!(
        data["createAccountRelationship"]["accountRelationship"]["validFrom"],
        "2024-02-29"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_date_scalars_are_named_for_what_they_are_and_specified_by_a_url() {
    let app = TestApp::spawn().await;
    let data = admin_ok(
        &app,
        "{ date: __type(name: \"Date\") { kind specifiedByURL description }
           dateTime: __type(name: \"DateTime\") { kind specifiedByURL description }
           naive: __type(name: \"NaiveDate\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(data["naive"], Value::Null, "{data}");
    for (scalar, url) in [
        (
            "date",
            "https://scalars.graphql.org/andimarek/local-date.html",
        ),
        (
            "dateTime",
            "https://scalars.graphql.org/andimarek/date-time.html",
        ),
    ] {
        assert_eq!(data[scalar]["kind"], "SCALAR", "{data}");
        assert_eq!(data[scalar]["specifiedByURL"], url, "{data}");
        let description = data[scalar]["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("TypeScript: `string`"),
            "{description}"
        );
        assert!(
            !description.contains("Utc") && !description.contains("Naive"),
            "{description}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_in_any_string_is_refused_with_its_field() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    let case = account_case(&app, &abc, "Printer on fire").await;
    let create_account =
        "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }";
    // Variables: a name, an optional single-line field, a multi-line field, a nested list.
    refused_writing_nothing(
        &app,
        create_account,
        json!({"i": {"name": "XYZ\u{0}Ltd", "isCustomer": true}}),
        "name",
        "name",
    )
    .await;
    refused_writing_nothing(
        &app,
        "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
        json!({"i": {"accountId": abc, "name": "Alice", "email": "alice@abc.test\u{0}"}}),
        "email",
        "email",
    )
    .await;
    refused_writing_nothing(
        &app,
        "mutation($i: AddCaseCommentInput!) { addCaseComment(input: $i) { comment { id } } }",
        json!({"i": {"caseId": case, "body": "line one\nline\u{0}two"}}),
        "body",
        "comment body",
    )
    .await;
    // A top-level string variable is named by the argument it is passed as.
    refused_writing_nothing(
        &app,
        "mutation($n: String!) { createAccount(input: {name: $n, isCustomer: true}) { account { id } } }",
        json!({"n": "\u{0}"}),
        "name",
        "string variable",
    )
    .await;
    // A variable's default value, named by the field it is passed as.
    refused_writing_nothing(
        &app,
        r#"mutation($n: String! = "XYZ\u0000") { createAccount(input: {name: $n, isCustomer: true}) { account { id } } }"#,
        json!({}),
        "name",
        "variable default",
    )
    .await;
    // Literals, escaped in the document.
    refused_writing_nothing(
        &app,
        r#"mutation { createAccount(input: {name: "XYZ\u0000Ltd", isCustomer: true}) { account { id } } }"#,
        json!({}),
        "name",
        "literal",
    )
    .await;
    // Strings that are never stored are refused too.
    let reply = app
        .gql(
            Some(&app.admin()),
            "query($t: String) { cases(filter: {text: $t}) { totalCount } }",
            json!({"t": "fire\u{0}"}),
        )
        .await;
    assert_bad_input(&reply, "text", "search text");
    let reply = app
        .gql(
            Some(&app.admin()),
            r#"{ node(id: "abc\u0000") { id } }"#,
            json!({}),
        )
        .await;
    assert_bad_input(&reply, "id", "an ID");

    // Positive control: the same mutations without the NUL succeed.
    admin_ok(
        &app,
        create_account,
        json!({"i": {"name": "XYZ Ltd", "isCustomer": true}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_only_in_descriptions_and_comments() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    let case = account_case(&app, &abc, "Printer on fire").await;
    let create_account =
        "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }";
    for name in [
        "XYZ\nLtd",
        "XYZ\tLtd",
        "XYZ\rLtd",
        "\u{1b}[31mXYZ",
        "XYZ\u{7f}",
        "XYZ\u{85}",
    ] {
        refused_writing_nothing(
            &app,
            create_account,
            json!({"i": {"name": name, "isCustomer": true}}),
            "name",
            &format!("{name:?}"),
        )
        .await;
    }
    refused_writing_nothing(
        &app,
        "mutation($i: CreateCaseInput!) { createCase(input: $i) { case { id } } }",
        json!({"i": {"accountId": abc, "shortDescription": "two\nlines"}}),
        "shortDescription",
        "short description",
    )
    .await;
    refused_writing_nothing(
        &app,
        "mutation($i: CreateCaseInput!) { createCase(input: $i) { case { id } } }",
        json!({"i": {"accountId": abc, "shortDescription": "ok", "description": "bell\u{7}"}}),
        "description",
        "bell in a description",
    )
    .await;
    let before = row_counts(&app).await;
    let reply = comment(&app, Some(&app.admin()), &case, "escape \u{1b}[2J").await;
    assert_bad_input(&reply, "body", "escape in a comment");
    assert_eq!(row_counts(&app).await, before);

    // Newlines and tabs are fine where text is multi-line.
    let data = admin_ok(
        &app,
        "mutation($i: CreateCaseInput!) { createCase(input: $i) { case { description } } }",
        json!({"i": {"accountId": abc, "shortDescription": "ok", "description": "first\r\nsecond\tcolumn"}}),
    )
    .await;
    assert_eq!(
        data["createCase"]["case"]["description"],
        "first\r\nsecond\tcolumn"
    );
    let reply = comment(
        &app,
        Some(&app.admin()),
        &case,
        "line one\nline two\ttabbed",
    )
    .await;
    reply.data();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priority_filter_outside_1_to_4_is_refused() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    account_case(&app, &abc, "Printer on fire").await;
    for priority in [9, 0, -1, 5] {
        let reply = app
            .gql(
                Some(&app.admin()),
                "query($p: Int) { cases(filter: {priority: $p}) { totalCount } }",
                json!({"p": priority}),
            )
            .await;
        assert_bad_input(&reply, "priority", &format!("priority {priority}"));
    }
    let reply = app
        .gql(
            Some(&app.admin()),
            &format!(
                "{{ node(id: \"{abc}\") {{ ... on Account {{ cases(filter: {{priority: 9}}) {{ totalCount }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT", "{}", reply.body);
    assert_eq!(reply.field(), "priority", "{}", reply.body);
    for priority in 1..=4 {
        admin_ok(
            &app,
            "query($p: Int) { cases(filter: {priority: $p}) { totalCount } }",
            json!({"p": priority}),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_for_with_both_an_account_and_a_consumer_is_refused() {
    let app = TestApp::spawn().await;
    let abc = customer(&app, "ABC Corp").await;
    let smith = consumer(&app, "John Smith", None).await;
    let query = "query($a: ID, $c: ID) { accessCheck(action: CREATE_FOR, accountId: $a, consumerId: $c) { allowed } }";
    let reply = app
        .gql(Some(&app.admin()), query, json!({"a": abc, "c": smith}))
        .await;
    assert_bad_input(&reply, "consumerId", "both");
    for one in [json!({"a": abc}), json!({"c": smith})] {
        let data = admin_ok(&app, query, one).await;
        assert_eq!(data["accessCheck"]["allowed"], true, "{data}");
    }
}
