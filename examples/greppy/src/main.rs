//! greppy: prints the lines of files (or stdin) that contain a pattern. Exit code 0
//! when a line matched, 1 when none did, 2 on an error: grep's convention.
//!
//! It shows consentry in a tool with positional arguments: the telemetry commands are
//! an option (`--telemetry status`), so `greppy telemetry status` still searches the
//! file `status` for `telemetry`; and exit code 1 is declared a success ("no match").

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use clap::Parser;
use consentry_clap::{Setup, Shape};

/// Print lines that contain PATTERN.
#[derive(Debug, Parser)]
#[command(name = "greppy", version)]
struct Cli {
    /// What to look for (plain text).
    #[arg(required_unless_present = "regexp")]
    pattern: Option<String>,
    /// Files to search; stdin when none.
    paths: Vec<PathBuf>,
    /// The pattern, for one that starts with `-`.
    #[arg(short = 'e', long, allow_hyphen_values = true)]
    regexp: Option<String>,
    /// Ignore case.
    #[arg(short, long)]
    ignore_case: bool,
    /// Mark matching lines with bold text: never or always.
    #[arg(long, value_enum, env = "GREPPY_COLOR", default_value = "never")]
    color: When,
}

/// When to mark matches (`--color`, or `GREPPY_COLOR` in the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum When {
    Never,
    Always,
}

fn main() {
    let config = consentry::Telemetry::builder("greppy")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint("http://127.0.0.1:4318")
        .with_success_exit_codes(&[0, 1])
        // The end-to-end tests run debug builds of greppy and check what it sends.
        .with_debug_builds(true);
    let (cli, telemetry) = Setup::new(config)
        .shape(Shape::Option)
        .init::<Cli>()
        .expect("greppy's telemetry configuration is valid");
    let run = telemetry.run();
    let code = search(&cli);
    run.finish(code);
    telemetry.exit(code);
}

/// Whether `needle` was found: 0 yes, 1 no, 2 on an error.
fn search(cli: &Cli) -> i32 {
    let mut paths = cli.paths.clone();
    let needle = match (&cli.regexp, &cli.pattern) {
        (Some(e), Some(first)) => {
            // With -e the first positional is a path.
            paths.insert(0, PathBuf::from(first));
            e.clone()
        }
        (Some(e), None) => e.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => return 2,
    };
    let needle = fold(&needle, cli.ignore_case);
    let mut out = io::stdout().lock();
    let mut found = false;
    let mut failed = false;
    let mut scan = |reader: &mut dyn BufRead| -> io::Result<()> {
        for line in reader.lines() {
            let line = line?;
            if fold(&line, cli.ignore_case).contains(&needle) {
                found = true;
                match cli.color {
                    When::Always => writeln!(out, "\x1b[1m{line}\x1b[0m")?,
                    When::Never => writeln!(out, "{line}")?,
                }
            }
        }
        Ok(())
    };
    if paths.is_empty() {
        failed |= report(scan(&mut io::stdin().lock()));
    }
    for path in &paths {
        let result = std::fs::File::open(path)
            .and_then(|f| scan(&mut io::BufReader::new(f)))
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())));
        failed |= report(result);
    }
    match (failed, found) {
        (true, _) => 2,
        (false, true) => 0,
        (false, false) => 1,
    }
}

/// Prints an error (a closed stdout is not one) and says whether there was one.
fn report(result: io::Result<()>) -> bool {
    match result {
        Ok(()) => false,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => false,
        Err(e) => {
            eprintln!("greppy: {e}");
            true
        }
    }
}

fn fold(s: &str, ignore_case: bool) -> String {
    if ignore_case {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}
