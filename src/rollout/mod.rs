//! The rollout's model and decisions, with no IO: steps and strategies,
//! the record, capacity arithmetic, the planner and the automation's
//! decisions.

pub mod autoscale;
pub mod capacity;
pub mod contender;
pub mod decide;
pub mod drift;
pub mod history;
pub mod model;
pub mod notice;
pub mod plan;
pub mod precondition;
pub mod record;
pub mod strategy;
