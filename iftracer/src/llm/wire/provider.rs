//! The provider behind an API host, as the GenAI conventions name it.

/// `gen_ai.provider.name` for `host`, `None` for a host we do not know (a local server, a
/// gateway): the caller then names the provider after the API's dialect.
pub(crate) fn from_host(host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let known = match host.as_str() {
        "api.openai.com" => "openai",
        "api.anthropic.com" => "anthropic",
        "generativelanguage.googleapis.com" => "gcp.gemini",
        "api.mistral.ai" => "mistral_ai",
        "api.groq.com" => "groq",
        "api.deepseek.com" => "deepseek",
        "api.x.ai" => "x_ai",
        "api.perplexity.ai" => "perplexity",
        "api.cohere.com" | "api.cohere.ai" => "cohere",
        _ if host.ends_with(".openai.azure.com") => "azure.ai.openai",
        _ if host.starts_with("bedrock") && host.ends_with(".amazonaws.com") => "aws.bedrock",
        _ => return None,
    };
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::from_host;

    #[test]
    fn known_hosts_map_to_their_provider_and_others_to_none() {
        for (host, provider) in [
            ("api.openai.com", Some("openai")),
            ("API.Anthropic.com.", Some("anthropic")),
            ("my-resource.openai.azure.com", Some("azure.ai.openai")),
            ("generativelanguage.googleapis.com", Some("gcp.gemini")),
            ("api.mistral.ai", Some("mistral_ai")),
            ("api.groq.com", Some("groq")),
            ("api.deepseek.com", Some("deepseek")),
            (
                "bedrock-runtime.us-east-1.amazonaws.com",
                Some("aws.bedrock"),
            ),
            ("api.x.ai", Some("x_ai")),
            ("127.0.0.1", None),
            ("openai.azure.com.evil.example", None),
        ] {
            assert_eq!(from_host(host), provider, "{host}");
        }
    }
}
