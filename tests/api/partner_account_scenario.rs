//! Seed 004 end to end, as the guide's users do it: the admin sets up GSI Tech as a partner of the
//! customer ABC Corp, Peter Robinson of GSI Tech gets partner_admin, a manager links the two accounts
//! with the shipped Partner Account type, and Peter sees ABC Corp until the link is removed.

use serde_json::json;

use crate::support::{
    PARTNER_ADMIN, PortalContact, TestApp, account, admin_ok, create_type, customer, day, id_of,
    manager, names, node, node_visible, nodes, partner, partner_account_type, relate, relate_with,
    relationship_type, side, sides_of, sorted, try_relate, visible_accounts,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_admin_sees_the_customer_a_manager_links_to_its_partner_until_the_link_is_removed()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let manager = manager(&app);

    // Step 1: the partner account, and the customer it will serve.
    let gsi = partner(&app, "GSI Tech").await;
    let abc = customer(&app, "ABC Corp").await;
    let read = admin_ok(
        &app,
        "query($g: ID!, $a: ID!) { g: node(id: $g) { __typename ... on Partner { name isPartner isCustomer } } a: node(id: $a) { __typename ... on Account { name isPartner isCustomer } } }",
        json!({"g": gsi, "a": abc}),
    )
    .await;
    assert_eq!(
        read["g"],
        json!({"__typename": "Partner", "name": "GSI Tech", "isPartner": true, "isCustomer": false})
    );
    assert_eq!(
        read["a"],
        json!({"__typename": "Account", "name": "ABC Corp", "isPartner": false, "isCustomer": true})
    );

    // Step 2: Peter Robinson on GSI Tech, with the Partner Administrator role.
    let peter = PortalContact::partner_admin(&app, &gsi, "Peter Robinson", "peter.robinson")
        .await
        .id;
    let stored = node(
        &app,
        &peter,
        "... on Contact { name subject roles account { name } }",
    )
    .await;
    assert_eq!(
        stored,
        json!({"name": "Peter Robinson", "subject": "peter.robinson",
               "roles": ["PARTNER_ADMIN"], "account": {"name": "GSI Tech"}})
    );
    let peter_token = app.token("peter.robinson", &[PARTNER_ADMIN]);
    assert_eq!(
        visible_accounts(&app, &peter_token).await,
        Vec::<String>::new(),
        "before the relationship Peter sees no customer account"
    );
    assert!(!node_visible(&app, &peter_token, &abc).await);
    assert!(node_visible(&app, &peter_token, &gsi).await, "own account");

    // The Partner Account type ships with the database.
    let kind = relationship_type(&app, "Partner Account").await;
    assert_eq!(kind["sourceKind"], "PARTNER");
    assert_eq!(kind["targetKind"], "ACCOUNT");
    assert_eq!(kind["forwardLabel"], "Partner of");
    assert_eq!(kind["reverseLabel"], "Customer of");
    assert_eq!(kind["isActive"], true);
    assert_eq!(kind["grantsPartnerCaseAccess"], true);
    assert_eq!(kind["isSymmetric"], false);
    let type_id = id_of(&kind["id"]);

    // Step 3: the manager links GSI Tech to ABC Corp.
    let reply = try_relate(
        &app,
        Some(&manager),
        json!({"typeId": type_id, "fromId": gsi, "toId": abc}),
    )
    .await;
    let created = reply.data()["createAccountRelationship"]["accountRelationship"].clone();
    assert_eq!(created["accountFrom"]["name"], "GSI Tech");
    assert_eq!(created["accountTo"]["name"], "ABC Corp");
    let relationship = id_of(&created["id"]);

    // Each side reads the relationship its own way.
    assert_eq!(
        sides_of(&app, &gsi).await,
        vec![side("Partner of", "FORWARD", "ABC Corp")]
    );
    assert_eq!(
        sides_of(&app, &abc).await,
        vec![side("Customer of", "REVERSE", "GSI Tech")]
    );
    let both = app
        .ok(
            &manager,
            "query($g: ID!, $a: ID!) {
               g: node(id: $g) { ... on Partner { relationships { nodes { relationship { id } type { name } isCurrent validFrom validTo } }
                                                 customers { totalCount nodes { __typename name } } partners { totalCount } } }
               a: node(id: $a) { ... on Account { relationships { nodes { relationship { id } type { name } } }
                                                 partners { totalCount nodes { __typename name } } customers { totalCount } } } }",
            json!({"g": gsi, "a": abc}),
        )
        .await;
    let g_side = &nodes(&both["g"]["relationships"])[0];
    let a_side = &nodes(&both["a"]["relationships"])[0];
    assert_eq!(g_side["relationship"]["id"], relationship.as_str());
    assert_eq!(
        a_side["relationship"]["id"],
        relationship.as_str(),
        "stored once, seen twice"
    );
    assert_eq!(g_side["type"]["name"], "Partner Account");
    assert_eq!(a_side["type"]["name"], "Partner Account");
    assert_eq!(g_side["isCurrent"], true);
    assert!(g_side["validFrom"].is_null() && g_side["validTo"].is_null());
    assert_eq!(
        both["g"]["customers"],
        json!({"totalCount": 1, "nodes": [{"__typename": "Account", "name": "ABC Corp"}]})
    );
    assert_eq!(both["g"]["partners"]["totalCount"], 0);
    assert_eq!(
        both["a"]["partners"],
        json!({"totalCount": 1, "nodes": [{"__typename": "Partner", "name": "GSI Tech"}]})
    );
    assert_eq!(both["a"]["customers"]["totalCount"], 0);

    // The type lists its record with From and To.
    let by_type = app
        .ok(
            &manager,
            "query($id: ID!) { node(id: $id) { ... on AccountRelationshipType { relationships { totalCount nodes { id accountFrom { name } accountTo { name } type { name } } } } } }",
            json!({"id": type_id}),
        )
        .await;
    assert_eq!(
        by_type["node"]["relationships"],
        json!({"totalCount": 1, "nodes": [{"id": relationship, "accountFrom": {"name": "GSI Tech"},
               "accountTo": {"name": "ABC Corp"}, "type": {"name": "Partner Account"}}]})
    );

    // Peter, signed in with his own token, now sees ABC Corp (and still his own GSI Tech).
    assert_eq!(visible_accounts(&app, &peter_token).await, vec!["ABC Corp"]);
    assert!(node_visible(&app, &peter_token, &abc).await);
    let mine = app
        .ok(
            &peter_token,
            "{ viewer { subject node { ... on Contact { name account { name } } } } partners(first: 10) { nodes { name customers { nodes { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["viewer"]["subject"], "peter.robinson");
    assert_eq!(mine["viewer"]["node"]["account"]["name"], "GSI Tech");
    assert_eq!(names(&mine["partners"]), vec!["GSI Tech"]);
    assert_eq!(
        names(&nodes(&mine["partners"])[0]["customers"]),
        vec!["ABC Corp"]
    );

    // The manager removes the relationship: it goes from both sides and Peter loses ABC Corp.
    let deleted = app
        .ok(
            &manager,
            "mutation($id: ID!) { deleteAccountRelationship(id: $id) { deletedId } }",
            json!({"id": relationship}),
        )
        .await;
    assert_eq!(
        deleted["deleteAccountRelationship"]["deletedId"],
        relationship.as_str()
    );
    assert!(sides_of(&app, &gsi).await.is_empty());
    assert!(sides_of(&app, &abc).await.is_empty());
    assert!(!node_visible(&app, &admin, &relationship).await);
    assert_eq!(
        visible_accounts(&app, &peter_token).await,
        Vec::<String>::new()
    );
    assert!(!node_visible(&app, &peter_token, &abc).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_shortcuts_follow_partner_to_account_types_only() {
    let app = TestApp::spawn().await;
    let partner_type = partner_account_type(&app).await;
    let reseller = create_type(
        &app,
        "Reseller",
        "PARTNER",
        "ACCOUNT",
        "Reseller of",
        "Resold by",
    )
    .await;
    let sister = create_type(
        &app,
        "Sister",
        "ACCOUNT",
        "ACCOUNT",
        "Sister of",
        "Sister of",
    )
    .await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    let old = customer(&app, "OLDCORP").await;
    let via_reseller = customer(&app, "XYZCORP").await;
    // Customer and partner at once, but linked to ABC Corp by a non-partner type.
    let both = account(&app, "BOTHCO", true, true, None).await;
    relate(&app, &partner_type, &gsi, &abc).await;
    relate_with(
        &app,
        json!({"typeId": partner_type, "fromId": gsi, "toId": old, "validTo": day(&app, -1)}),
    )
    .await;
    relate(&app, &reseller, &gsi, &via_reseller).await;
    relate(&app, &sister, &both, &abc).await;

    let query = "query($id: ID!) { node(id: $id) { ... on Partner { all: customers { totalCount nodes { name } } now: customers(currentOnly: true) { totalCount nodes { name } } } } }";
    let data = admin_ok(&app, query, json!({"id": gsi})).await;
    // Every PARTNER-to-ACCOUNT type counts, the shipped one and the admin's own.
    assert_eq!(
        sorted(names(&data["node"]["all"])),
        vec!["ABCCORP", "OLDCORP", "XYZCORP"]
    );
    assert_eq!(data["node"]["all"]["totalCount"], 3);
    assert_eq!(
        sorted(names(&data["node"]["now"])),
        vec!["ABCCORP", "XYZCORP"],
        "currentOnly leaves out the relationship whose validTo has passed"
    );
    assert_eq!(data["node"]["now"]["totalCount"], 2);

    let data = admin_ok(
        &app,
        "query($a: ID!, $o: ID!) { a: node(id: $a) { ... on Account { partners { totalCount nodes { name } } relationships { totalCount } } }
                                   o: node(id: $o) { ... on Account { now: partners(currentOnly: true) { totalCount } all: partners { nodes { name } } } } }",
        json!({"a": abc, "o": old}),
    )
    .await;
    assert_eq!(
        names(&data["a"]["partners"]),
        vec!["GSITECH"],
        "BOTHCO is a partner, but its link to ABC Corp is not a partner type"
    );
    assert_eq!(data["a"]["partners"]["totalCount"], 1);
    assert_eq!(data["a"]["relationships"]["totalCount"], 2);
    assert_eq!(data["o"]["now"]["totalCount"], 0);
    assert_eq!(names(&data["o"]["all"]), vec!["GSITECH"]);
}
