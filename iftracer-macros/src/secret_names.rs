//! Which argument names say "secret": such arguments are left out of the captured input unless
//! the attribute lists them in `capture(…)`. Redaction downstream only catches values of known
//! shapes; a name is the one hint that a value of any shape (a database password) is secret.

/// Words that say secret wherever they appear in a name (`dbpassword`, `client_secret`).
const SECRET_SUBSTRINGS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "apikey",
    "authorization",
    "credential",
    "cookie",
];

/// Words that say secret only as a whole `_`-separated part: `auth_token`, `api_key`, but not
/// `max_tokens` (a count) or `keyboard`.
const SECRET_PARTS: &[&str] = &["token", "key", "pwd", "auth", "jwt", "pat"];

/// Last parts that make a name about a secret rather than the secret itself: `token_count`,
/// `password_length`, `key_name`.
const DESCRIBING_PARTS: &[&str] = &[
    "count", "counts", "len", "length", "limit", "budget", "usage", "type", "kind", "name",
];

/// Whether the argument `name` (`r#` and case aside) says it holds a secret.
pub(crate) fn is_secret(name: &str) -> bool {
    let name = name.trim_start_matches("r#").to_ascii_lowercase();
    if name
        .rsplit('_')
        .next()
        .is_some_and(|last| DESCRIBING_PARTS.contains(&last))
    {
        return false;
    }
    SECRET_SUBSTRINGS.iter().any(|word| name.contains(word))
        || name.split('_').any(|part| SECRET_PARTS.contains(&part))
}

#[cfg(test)]
mod tests {
    use super::is_secret;

    #[test]
    fn names_that_say_secret() {
        for name in [
            "password",
            "db_password",
            "dbPassword",
            "secret",
            "client_secret",
            "token",
            "auth_token",
            "api_key",
            "apikey",
            "openai_api_key",
            "key",
            "private_key",
            "authorization",
            "credential",
            "credentials",
            "cookie",
            "session_cookie",
            "r#token",
            "_password",
            "pwd",
            "passphrase",
            "auth",
            "github_pat",
        ] {
            assert!(is_secret(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names() {
        for name in [
            "query",
            "user",
            "max_tokens",
            "tokens",
            "token_count",
            "password_length",
            "key_name",
            "keyboard",
            "monkey",
            "keys",
            "author",
            "path",
            "patch",
            "prompt",
            "r#type",
        ] {
            assert!(!is_secret(name), "{name}");
        }
    }
}
