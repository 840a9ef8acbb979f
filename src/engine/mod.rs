//! The engine: everything that talks to the cluster while a rollout runs.
//! It observes (watches), asks the pure core in `rollout` what to do, and
//! does it; nothing decides here. Its rooms: the session a changing
//! command runs (`session`: read, hold, write the intent, run, let go),
//! the executor that turns the planner's actions into requests, the watches
//! kept on a connection, the Lease, freezes as the cluster holds them, and
//! progress on stderr. Commands above call it; ui above renders what it
//! saw; routers, analysis and the pure core lie below.

pub mod change;
pub mod execute;
pub mod fleet;
pub mod freeze;
pub mod known;
pub mod live;
pub mod lock;
pub mod observe;
pub mod progress;
pub mod session;
pub mod tell;
pub mod watch;
