//! One file per subcommand: parse the arguments into options, call the core,
//! render.

pub mod status;
