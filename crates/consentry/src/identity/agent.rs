//! `consentry.agent`: whether a coding agent started this run, from a fixed table of
//! the variables coding agents set in the shells they run commands in. Only a name
//! from this table is ever sent (low cardinality, no free text): a variable's value is
//! never sent, and `AI_AGENT` with a value not in the table is `other`.
//!
//! Sources: Vercel's `@vercel/detect-agent` (used by Next.js; `AI_AGENT`,
//! `CURSOR_AGENT`, `GEMINI_CLI`, `CODEX_SANDBOX`, `CLAUDECODE`, `CLAUDE_CODE`,
//! `REPL_ID`), the AWS CDK CLI's agent guess (`CODEX_THREAD_ID`). Aider, Copilot in VS
//! Code and others set no variable of their own that public sources document, so they
//! are not in the table (`none`) unless they set `AI_AGENT`.

use crate::configure::env::{Env, FALSE_WORDS};

/// The variable a coding agent can set to name itself (the convention
/// `@vercel/detect-agent` proposes); checked first.
pub(crate) const AI_AGENT: &str = "AI_AGENT";

/// `(variable, agent)`: the first variable set (non-empty, not a false word) decides.
pub(crate) const AGENTS: &[(&str, &str)] = &[
    ("CLAUDECODE", "claude-code"),
    ("CLAUDE_CODE", "claude-code"),
    ("CURSOR_AGENT", "cursor"),
    ("GEMINI_CLI", "gemini-cli"),
    ("CODEX_SANDBOX", "codex"),
    ("CODEX_THREAD_ID", "codex"),
    ("REPL_ID", "replit"),
];

/// Sent when no variable of the table is set.
pub(crate) const NONE: &str = "none";
/// Sent for `AI_AGENT` naming an agent not in the table.
pub(crate) const OTHER: &str = "other";

/// The agent this run was started by, as one of the table's names, `other` or `none`.
pub(crate) fn detect(env: &dyn Env) -> &'static str {
    let set = |var: &str| {
        env.var_os(var)
            .and_then(|v| v.into_string().ok())
            .filter(|v| {
                let v = v.trim();
                !v.is_empty() && !FALSE_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
            })
    };
    if let Some(named) = set(AI_AGENT) {
        // `claude-code@1.2` names `claude-code`; anything else is `other`.
        let name = named.trim().split('@').next().unwrap_or_default();
        return AGENTS
            .iter()
            .map(|(_, agent)| *agent)
            .find(|agent| agent.eq_ignore_ascii_case(name))
            .unwrap_or(OTHER);
    }
    AGENTS
        .iter()
        .find(|(var, _)| set(var).is_some())
        .map_or(NONE, |(_, agent)| agent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::FixedEnv;

    #[test]
    fn each_variable_names_its_agent_and_nothing_else_leaks() {
        assert_eq!(detect(&FixedEnv::new()), "none");
        for (var, agent) in AGENTS {
            assert_eq!(detect(&FixedEnv::new().var(*var, "1")), *agent, "{var}");
            assert_eq!(detect(&FixedEnv::new().var(*var, "")), "none", "{var}");
            assert_eq!(detect(&FixedEnv::new().var(*var, "false")), "none", "{var}");
        }
        let named = |v: &str| detect(&FixedEnv::new().var(AI_AGENT, v));
        assert_eq!(named("codex"), "codex");
        assert_eq!(named("Claude-Code@2.0"), "claude-code");
        assert_eq!(named("my-secret-internal-bot /home/alice"), "other");
        assert_eq!(named("0"), "none");
        // AI_AGENT is checked first.
        let both = FixedEnv::new()
            .var(AI_AGENT, "gemini-cli")
            .var("CLAUDECODE", "1");
        assert_eq!(detect(&both), "gemini-cli");
    }

    #[test]
    fn the_manifest_names_every_agent_and_variable() {
        let described = crate::rules::attributes::RESOURCE
            .iter()
            .find(|a| a.key == crate::rules::attributes::AGENT)
            .unwrap()
            .description;
        for (var, agent) in AGENTS {
            assert!(described.contains(&format!("`{agent}`")), "{agent}");
            assert!(described.contains(&format!("`{var}`")), "{var}");
        }
        for word in [AI_AGENT, NONE, OTHER] {
            assert!(described.contains(&format!("`{word}`")), "{word}");
        }
    }
}
