//! The rollout: its record, and what is observed of it in the cluster.

pub mod observe;
pub mod record;
