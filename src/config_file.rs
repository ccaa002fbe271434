//! The optional TOML settings file (`--config path` or `LIAISON_CONFIG`): each key is a setting's
//! environment variable without the `LIAISON_` prefix, in any case, `-` or `_` (`database_url`,
//! `max-depth`, `JWT_ISSUER`). It is read before the command line is parsed and fills in the
//! environment variables that are not already set, so a flag beats the environment, the
//! environment beats the file and the file beats the default.

use std::path::{Path, PathBuf};

/// The prefix every setting's environment variable has.
pub const PREFIX: &str = "LIAISON_";

/// The environment variable that names the file when `--config` is not given.
pub const ENV: &str = "LIAISON_CONFIG";

/// Why a settings file was not applied; the command refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "the config file {path}: `{key}` is not a setting (known: the LIAISON_* variables of `--help`, without the prefix)"
    )]
    UnknownKey { path: PathBuf, key: String },
    #[error("the config file {path}: `{key}` must be a string, number, boolean or a list of them")]
    BadValue { path: PathBuf, key: String },
}

/// The file named by `--config <path>` / `--config=<path>` in `args`, else by `LIAISON_CONFIG`.
pub fn path_from(args: &[String], env: Option<String>) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    env.filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// The environment variable a file key stands for.
pub fn env_name(key: &str) -> String {
    format!("{PREFIX}{}", key.to_ascii_uppercase().replace('-', "_"))
}

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The `(variable, value)` pairs `text` sets, leaving out variables `is_set` says are set already.
/// Every key must name one of `known` (lists become comma-separated values).
pub fn assignments(
    path: &Path,
    text: &str,
    known: &[String],
    is_set: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, ConfigFileError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigFileError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let name = env_name(key);
        if name == ENV || !known.contains(&name) {
            return Err(ConfigFileError::UnknownKey {
                path: path.to_owned(),
                key: key.clone(),
            });
        }
        let bad = || ConfigFileError::BadValue {
            path: path.to_owned(),
            key: key.clone(),
        };
        let value = match value {
            toml::Value::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad)?
                .join(","),
            other => scalar(other).ok_or_else(bad)?,
        };
        if !is_set(&name) {
            out.push((name, value));
        }
    }
    Ok(out)
}

/// Reads the file at `path` and returns what it sets that the environment does not.
pub fn load(path: &Path, known: &[String]) -> Result<Vec<(String, String)>, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    assignments(path, &text, known, |name| std::env::var_os(name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        [
            "LIAISON_MAX_DEPTH",
            "LIAISON_CORS_ORIGINS",
            "LIAISON_JWT_ISSUER",
            "LIAISON_METRICS",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn keys_name_variables_in_any_spelling_and_set_ones_are_left_alone() {
        let text = r#"
max-depth = 7
CORS_ORIGINS = ["https://a.example", "https://b.example"]
jwt_issuer = "https://idp.example"
metrics = false
"#;
        let set = |name: &str| name == "LIAISON_JWT_ISSUER";
        let mut got = assignments(Path::new("f.toml"), text, &known(), set).unwrap();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "LIAISON_CORS_ORIGINS".into(),
                    "https://a.example,https://b.example".into()
                ),
                ("LIAISON_MAX_DEPTH".into(), "7".into()),
                ("LIAISON_METRICS".into(), "false".into()),
            ]
        );
    }

    #[test]
    fn unknown_keys_bad_values_and_bad_toml_are_refused() {
        let path = Path::new("f.toml");
        let refuse = |text: &str| assignments(path, text, &known(), |_| false).unwrap_err();
        assert!(matches!(
            refuse("max_dept = 7"),
            ConfigFileError::UnknownKey { .. }
        ));
        assert!(matches!(
            refuse("config = 'x.toml'"),
            ConfigFileError::UnknownKey { .. }
        ));
        assert!(matches!(
            refuse("[max_depth]\na = 1"),
            ConfigFileError::BadValue { .. }
        ));
        assert!(matches!(
            refuse("max_depth = "),
            ConfigFileError::Parse { .. }
        ));
    }

    #[test]
    fn the_flag_names_the_file_before_the_environment() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let env = Some("env.toml".to_owned());
        assert_eq!(
            path_from(
                &args(&["liaison", "serve", "--config", "a.toml"]),
                env.clone()
            ),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            path_from(&args(&["liaison", "--config=b.toml", "serve"]), env.clone()),
            Some(PathBuf::from("b.toml"))
        );
        assert_eq!(
            path_from(&args(&["liaison", "serve"]), env),
            Some(PathBuf::from("env.toml"))
        );
        assert_eq!(
            path_from(&args(&["liaison", "serve"]), Some(String::new())),
            None
        );
    }
}
