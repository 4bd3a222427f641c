//! The task file: one task per line, `<id>\t<done>\t<priority>\t<tags>\t<title>`.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use crate::cli::Priority;

#[derive(Debug)]
pub(crate) enum TaskError {
    NotFound(u32),
    Io(io::Error),
    Corrupt(usize),
}

impl TaskError {
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            TaskError::NotFound(_) => 3,
            TaskError::Io(_) => 4,
            TaskError::Corrupt(_) => 5,
        }
    }

    /// The error class sent as `error.type`: a fixed word, never the message.
    #[cfg_attr(
        not(any(feature = "telemetry-http", feature = "telemetry-grpc")),
        allow(dead_code)
    )]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            TaskError::NotFound(_) => "NotFound",
            TaskError::Io(_) => "Io",
            TaskError::Corrupt(_) => "CorruptTaskFile",
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::NotFound(id) => write!(f, "no task {id}"),
            TaskError::Io(e) => write!(f, "cannot use the task file: {e}"),
            TaskError::Corrupt(line) => write!(f, "task file line {line} is not a task"),
        }
    }
}

impl From<io::Error> for TaskError {
    fn from(e: io::Error) -> Self {
        TaskError::Io(e)
    }
}

struct Task {
    id: u32,
    done: bool,
    priority: String,
    tags: String,
    title: String,
}

fn load(path: &Path) -> Result<Vec<Task>, TaskError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let mut f = line.splitn(5, '\t');
            let mut next = || f.next().ok_or(TaskError::Corrupt(n + 1));
            Ok(Task {
                id: next()?.parse().map_err(|_| TaskError::Corrupt(n + 1))?,
                done: next()? == "x",
                priority: next()?.to_owned(),
                tags: next()?.to_owned(),
                title: next()?.to_owned(),
            })
        })
        .collect()
}

fn save(path: &Path, tasks: &[Task]) -> Result<(), TaskError> {
    let mut text = String::new();
    for t in tasks {
        let done = if t.done { "x" } else { "-" };
        text.push_str(&format!(
            "{}\t{done}\t{}\t{}\t{}\n",
            t.id, t.priority, t.tags, t.title
        ));
    }
    std::fs::write(path, text)?;
    Ok(())
}

pub(crate) fn add(
    path: &Path,
    title: &str,
    priority: Priority,
    tags: &[String],
) -> Result<u32, TaskError> {
    let mut tasks = load(path)?;
    let id = tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
    let title = title.replace(['\t', '\n'], " ");
    let tags = tags.join(",").replace(['\t', '\n'], " ");
    let priority = format!("{priority:?}").to_lowercase();
    tasks.push(Task {
        id,
        done: false,
        priority,
        tags,
        title,
    });
    save(path, &tasks)?;
    Ok(id)
}

pub(crate) fn complete(path: &Path, id: u32) -> Result<(), TaskError> {
    let mut tasks = load(path)?;
    let task = tasks
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or(TaskError::NotFound(id))?;
    task.done = true;
    // Completing a task rewrites the whole file: the phase taskr declared as telemetry.
    // Its duration and `tasks` are sent; the path is not declared and stays here.
    let _phase =
        tracing::info_span!("rewrite", tasks = tasks.len(), path = %path.display()).entered();
    save(path, &tasks)
}

pub(crate) fn list(path: &Path, all: bool, out: &mut impl Write) -> Result<(), TaskError> {
    for t in load(path)?.iter().filter(|t| all || !t.done) {
        let mark = if t.done { "x" } else { " " };
        let tags = if t.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t.tags)
        };
        say(
            out,
            format_args!("[{mark}] {:>3}  {:<6} {}{tags}", t.id, t.priority, t.title),
        )?;
    }
    Ok(())
}

/// How many tasks the file holds (reported as the `tasks` count).
#[cfg_attr(
    not(any(feature = "telemetry-http", feature = "telemetry-grpc")),
    allow(dead_code)
)]
pub(crate) fn count(path: &Path) -> Result<u64, TaskError> {
    Ok(load(path)?.len() as u64)
}

pub(crate) fn say(out: &mut impl Write, line: fmt::Arguments<'_>) -> Result<(), TaskError> {
    writeln!(out, "{line}")?;
    Ok(())
}
