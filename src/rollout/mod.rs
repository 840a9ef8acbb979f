//! The rollout: its record, and what is observed of it in the cluster.

pub mod contender;
pub mod decide;
pub mod execute;
pub mod lock;
pub mod observe;
pub mod plan;
pub mod record;
pub mod strategy;
pub mod watch;
