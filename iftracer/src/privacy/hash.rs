//! Salted hashing of user and session ids, so join keys stay joinable without revealing them.

use sha2::{Digest, Sha256};

use crate::attributes::{gen_ai, insightfinder, openinference};

/// Attributes that identify a user or a session.
const ID_KEYS: &[&str] = &[
    insightfinder::USERNAME,
    insightfinder::SESSION_ID,
    gen_ai::CONVERSATION_ID,
    openinference::USER_ID,
    openinference::SESSION_ID,
    "enduser.id",
];

pub(crate) fn is_id(key: &str) -> bool {
    ID_KEYS.contains(&key)
}

/// Attributes that hold a session id under another name: iftracer-temporal uses the workflow
/// id as the session, and workflow spans carry it without `x-session-id`.
const SESSION_LIKE_KEYS: &[&str] = &["temporalWorkflowID"];

pub(crate) fn is_id_like(key: &str) -> bool {
    SESSION_LIKE_KEYS.contains(&key)
}

/// Hashes ids with a secret salt: the same id always gives the same 32 hex digits.
#[derive(Clone)]
pub(crate) struct IdHasher {
    salted: Sha256,
}

impl IdHasher {
    pub(crate) fn new(salt: &str) -> Self {
        let mut salted = Sha256::new();
        salted.update(salt.as_bytes());
        // A separator so ("ab", "c") and ("a", "bc") differ.
        salted.update([0u8]);
        IdHasher { salted }
    }

    pub(crate) fn hash(&self, id: &str) -> String {
        let digest = self.salted.clone().chain_update(id.as_bytes()).finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The salt is a secret.
        f.write_str("IdHasher(<salted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_per_salt_and_hide_the_id() {
        let a = IdHasher::new("salt-1");
        let b = IdHasher::new("salt-2");
        assert_eq!(a.hash("alice"), a.hash("alice"));
        assert_ne!(a.hash("alice"), a.hash("bob"));
        assert_ne!(a.hash("alice"), b.hash("alice"));
        // sha256(b"salt-1\0alice"), first 16 bytes, computed outside this crate.
        assert_eq!(a.hash("alice"), "e0d8358cdcde090adb9cb6bc63c833df");
        assert!(!a.hash("alice").contains("alice"));
        assert_eq!(format!("{a:?}"), "IdHasher(<salted>)");
        assert!(is_id("x-session-id") && is_id("gen_ai.conversation.id") && !is_id("chat.model"));
    }
}
