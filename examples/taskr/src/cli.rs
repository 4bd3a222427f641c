use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// A to-do list in a text file.
#[derive(Debug, Parser)]
#[command(name = "taskr", version)]
pub(crate) struct Cli {
    /// The task file.
    #[arg(long, global = true, default_value = "taskr.tasks", env = "TASKR_FILE")]
    pub(crate) file: PathBuf,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Add a task.
    Add {
        /// What to do.
        title: String,
        /// How urgent it is.
        #[arg(short, long, value_enum, default_value_t = Priority::Normal)]
        priority: Priority,
        /// Labels for the task (repeatable).
        #[arg(short, long = "tag")]
        tags: Vec<String>,
    },
    /// List open tasks.
    List {
        /// Include completed tasks.
        #[arg(short, long)]
        all: bool,
    },
    /// Mark a task as done; fails with exit code 3 when there is no such task.
    Done {
        /// The task's number.
        id: u32,
    },
}

// The command's name is the standard wiring's span name; consentry's schema finds it.
#[cfg_attr(
    not(all(
        feature = "standard-wiring",
        not(any(feature = "telemetry-http", feature = "telemetry-grpc"))
    )),
    allow(dead_code)
)]
impl Command {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Add { .. } => "add",
            Command::List { .. } => "list",
            Command::Done { .. } => "done",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Priority {
    Low,
    Normal,
    High,
}
