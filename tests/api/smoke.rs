//! The quickest proof of life: an admin creates an account and reads it back.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_and_reads_an_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = app
        .ok(&admin, "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id name number } } }", json!({"i": {"name": "ABC Corp", "isCustomer": true}}))
        .await;
    assert_eq!(created["createAccount"]["account"]["number"], "ACC0000001");
    let id = created["createAccount"]["account"]["id"].clone();
    let read = app
        .ok(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Account { name } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(read["node"]["name"], "ABC Corp");
}
