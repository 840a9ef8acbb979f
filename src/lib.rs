//! kubectl-ramp's library: everything but the process's entry point
//! (src/main.rs). The layers, from the bottom: `rollout` (pure: the model,
//! the planner, the automation's decisions), `router` and `analysis` (a
//! pure part and IO), `engine` (IO during a rollout), `commands`, `ui`.

pub mod analysis;
pub mod cli;
pub mod clusters;
pub mod commands;
pub mod complete;
pub mod connect;
pub mod duration;
pub mod engine;
pub mod error;
pub mod fuzzing;
pub mod generate;
pub mod help;
pub mod input;
#[cfg(test)]
mod mock;
pub mod ops;
pub mod retry;
pub mod rollout;
pub mod router;
pub mod ui;
