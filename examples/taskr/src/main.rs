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
    // Uploader entry, --disable-telemetry and the `telemetry` commands,
    // parsing with clap's own errors, consent: one call.
    #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
    let (cli, telemetry) = consentry_clap::init::<Cli>(telemetry::config())
        .expect("taskr's telemetry configuration is valid");
    #[cfg(not(any(feature = "telemetry-http", feature = "telemetry-grpc")))]
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::EnvFilter::from_env("TASKR_LOG"));

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
    #[cfg(not(all(
        feature = "standard-wiring",
        not(any(feature = "telemetry-http", feature = "telemetry-grpc"))
    )))]
    {
        // taskr's own logs; the command span needs no subscriber, the spans taskr
        // declared as telemetry (`rewrite`) need consentry's layer in it.
        let subscriber = tracing_subscriber::registry().with(logs);
        #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
        let subscriber = subscriber.with(telemetry.layer());
        subscriber.init();
        #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
        let run = telemetry.run();
        #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
        telemetry::describe(&run, &cli);
        let result = execute(&cli);
        #[cfg(any(feature = "telemetry-http", feature = "telemetry-grpc"))]
        match &result {
            Ok(()) => run.finish(0),
            Err(e) => run.finish_with_error(e.exit_code(), e.kind()),
        }
        report(result)
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
