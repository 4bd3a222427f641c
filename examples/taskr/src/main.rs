//! taskr: a to-do list in a text file, instrumented with consentry.
//!
//! Every run of a command becomes one telemetry span (command name, masked arguments,
//! exit code) unless the user opted out. Build with `--no-default-features` for the
//! same CLI without telemetry.

mod cli;
#[cfg(all(
    feature = "standard-wiring",
    not(any(feature = "telemetry-http", feature = "telemetry-grpc"))
))]
mod standard;
mod store;
#[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
mod telemetry;

use std::process::ExitCode;

#[cfg(not(any(feature = "telemetry-http", feature = "telemetry-grpc")))]
use clap::Parser;
use tracing_subscriber::prelude::*;

use cli::{Cli, Command};
use store::TaskError;

fn main() -> ExitCode {
    #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
    let telemetry = telemetry::configure();
    // Before parsing: the detached uploader is this executable started with one marker
    // argument that clap does not know.
    #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
    telemetry.run_uploader_if_requested();

    #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
    let cli = match telemetry::parse(&telemetry) {
        Ok(cli) => cli,
        Err(exit) => return exit,
    };
    #[cfg(not(any(feature = "telemetry-http", feature = "telemetry-grpc")))]
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::EnvFilter::from_env("TASKR_LOG"));

    #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
    {
        let guard = telemetry.init();
        tracing_subscriber::registry()
            .with(logs)
            .with(guard.layer())
            .init();
        let run = guard.command(cli.command.name(), std::env::args_os().skip(1));
        run.project_id(
            &std::path::absolute(&cli.file)
                .unwrap_or_else(|_| cli.file.clone())
                .to_string_lossy(),
        );
        if let Command::Add { tags, .. } = &cli.command
            && !tags.is_empty()
        {
            run.feature("tags");
        }
        if let Ok(n) = store::count(&cli.file) {
            run.count("tasks", n);
        }
        let result = execute(&cli);
        match &result {
            Ok(()) => run.finish(0),
            Err(e) => run.finish_with_error(e.exit_code(), e.kind()),
        }
        drop(guard);
        report(result)
    }
    #[cfg(all(
        feature = "standard-wiring",
        not(any(feature = "telemetry-http", feature = "telemetry-grpc"))
    ))]
    {
        let provider = standard::provider();
        let otel = provider.as_ref().map(standard::layer);
        tracing_subscriber::registry().with(logs).with(otel).init();
        let result =
            tracing::info_span!("command", name = cli.command.name()).in_scope(|| execute(&cli));
        if let Some(p) = provider {
            let _ = p.shutdown();
        }
        report(result)
    }
    #[cfg(not(any(
        feature = "telemetry-http",
        feature = "telemetry-grpc",
        feature = "standard-wiring"
    )))]
    {
        tracing_subscriber::registry().with(logs).init();
        report(execute(&cli))
    }
}

fn execute(cli: &Cli) -> Result<(), TaskError> {
    let _span = tracing::info_span!("taskr.execute", file = %cli.file.display()).entered();
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Add {
            title,
            priority,
            tags,
        } => {
            let id = store::add(&cli.file, title, *priority, tags)?;
            tracing::info!(id, title = %title, "task added");
            store::say(&mut out, format_args!("added task {id}"))
        }
        Command::List { all } => store::list(&cli.file, *all, &mut out),
        Command::Done { id } => {
            store::complete(&cli.file, *id)?;
            store::say(&mut out, format_args!("completed task {id}"))
        }
    }
}

fn report(result: Result<(), TaskError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskr: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
