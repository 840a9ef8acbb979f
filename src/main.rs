//! kubectl-ramp: canary and blue-green rollouts of Kubernetes Deployments,
//! with nothing installed in the cluster.

use kubectl_ramp::{cli, commands, complete, connect, error, generate, help};

use std::io::Write;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use cli::{Cli, Command};
use error::{Error, Kind};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Hidden entry points for the shells and for the files in the repository.
    match args.get(1).and_then(|a| a.to_str()) {
        Some(complete::COMMAND) => return complete::main(&args[2..]),
        Some(generate::COMMAND) => return generate::main(&args[2..]),
        _ => {}
    }
    let cli = match help::parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and succeed; usage errors
            // exit 2, as DESIGN.md promises.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                Kind::Invalid.exit_code()
            } else {
                0
            });
        }
    };
    init_tracing();
    // The commands run on the main thread's stack (8 MiB); the dashboard
    // runs them on the workers', given as much.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return report(&Error::failed(format!(
                "cannot start the async runtime: {err}"
            )));
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

async fn run(cli: Cli) -> error::Result<()> {
    match &cli.command {
        Command::Start(args) => commands::start::run(&cli.global, args).await,
        Command::Step(args) => commands::step::run(&cli.global, args).await,
        Command::Promote(args) => commands::promote::run(&cli.global, args).await,
        Command::Abort(args) => commands::abort::run(&cli.global, args).await,
        Command::Run(args) => commands::run::run(&cli.global, args).await,
        Command::Pause(args) => {
            let conn = connect::Connection::open(&cli.global.target()).await?;
            commands::run::pause(&conn, &args.deployment).await
        }
        Command::Status(args) => commands::status::run(&cli.global, args).await,
        Command::List(args) => commands::list::run(&cli.global, args).await,
        Command::History(args) => commands::history::run(&cli.global, args).await,
        Command::Dashboard(args) => commands::dashboard::run(&cli.global, args).await,
        Command::Undo(args) => commands::undo::run(&cli.global, args).await,
        Command::Freeze(args) => commands::freeze::freeze(&cli.global, args).await,
        Command::Unfreeze(args) => commands::freeze::unfreeze(&cli.global, args).await,
        Command::Cluster(command) => commands::cluster::run(&cli.global, command).await,
        Command::Version(args) => commands::version::run(&cli.global, args).await,
    }
}

/// Logs go to stderr and are off unless asked for with RAMP_LOG (e.g.
/// `RAMP_LOG=debug`), so a failing command prints one sentence, not a dump.
fn init_tracing() {
    let filter = EnvFilter::try_from_env("RAMP_LOG").unwrap_or_else(|_| EnvFilter::new("off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn report(err: &Error) -> ExitCode {
    if err.kind != Kind::OutputClosed {
        let _ = writeln!(std::io::stderr(), "error: {err}");
    }
    err.exit_code()
}
