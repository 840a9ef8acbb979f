//! Many clusters: the registry file of the clusters ramp knows, and what
//! ramp needs of each (reachability, routers, permissions).

pub mod access;
pub mod registry;
