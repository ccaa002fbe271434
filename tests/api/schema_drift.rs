//! The checked-in `schema.graphql` is exactly what the code serves.

#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).expect("read schema.graphql");
    let generated = liaison::graphql::sdl();
    if generated != checked_in {
        let line = generated
            .lines()
            .zip(checked_in.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || generated.lines().count().min(checked_in.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "schema.graphql is out of date (first difference at line {line}).\n\
             Regenerate it with: cargo run -- schema > schema.graphql"
        );
    }
}

#[test]
fn the_schema_command_prints_the_same_sdl() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"))
        .arg("schema")
        .output()
        .expect("run liaison schema");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        liaison::graphql::sdl(),
        "`liaison schema` must print what the server serves"
    );
}
