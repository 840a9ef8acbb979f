//! The engine: everything that talks to the cluster while a rollout runs.
//! It observes (watches), asks the pure core in `rollout` what to do, and
//! does it; nothing decides here.

pub mod execute;
pub mod freeze;
pub mod live;
pub mod lock;
pub mod observe;
pub mod progress;
pub mod session;
pub mod watch;
