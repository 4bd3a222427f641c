//! tally: counts the lines and words of files (or stdin), with its own parser
//! (lexopt), no clap.
//!
//! It shows consentry in a tool that parses its own command line: one call,
//! [`consentry::cli::Cli::parse`], gives the telemetry commands (`--telemetry status`,
//! as an option: `tally telemetry` counts the file `telemetry`), records a command line
//! the parser refuses, and takes `--disable-telemetry` as the parser read it; the
//! masking schema is the flag table below, a few lines.

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use consentry::cli::{Cli, Manage};
use consentry::cli::{Opt, Param, Policy, Schema};

/// What the user asked for.
#[derive(Debug, Default)]
struct Args {
    lines: bool,
    words: bool,
    /// Lines longer than this are counted as this long; 0 for no limit.
    max_line_length: usize,
    color: Color,
    ignore_case: bool,
    /// Words to leave out, one per line.
    exclude_file: Option<PathBuf>,
    disable_telemetry: bool,
    files: Vec<PathBuf>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Color {
    #[default]
    Never,
    Always,
}

/// tally's options, as its `--help` lists them; consentry masks by this table.
fn schema() -> Schema {
    Schema::new("tally")
        .option(Opt::long("lines").short('l'))
        .option(Opt::long("words").short('w'))
        .option(Opt::long("ignore-case").short('i').negatable())
        .option(Opt::long("max-line-length").value(Policy::Number))
        .option(Opt::long("color").value(Policy::allow(["never", "always"])))
        .option(Opt::long("exclude-file").value(Policy::NameOnly))
        .flags(["disable-telemetry", "help"])
        .positional(Param::new("files").multiple())
}

const HELP: &str = "Usage: tally [-l] [-w] [-i|--no-ignore-case] [--max-line-length N] \
[--color never|always] [--exclude-file FILE] [--disable-telemetry] [--telemetry ACTION] [FILE]...\n";

fn parse(args: Vec<OsString>) -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parsed = Args::default();
    let mut parser = lexopt::Parser::from_args(args.into_iter().skip(1));
    while let Some(arg) = parser.next()? {
        match arg {
            Short('l') | Long("lines") => parsed.lines = true,
            Short('w') | Long("words") => parsed.words = true,
            Short('i') | Long("ignore-case") => parsed.ignore_case = true,
            Long("no-ignore-case") => parsed.ignore_case = false,
            Long("max-line-length") => parsed.max_line_length = parser.value()?.parse()?,
            Long("color") => {
                parsed.color = match parser.value()?.string()?.as_str() {
                    "never" => Color::Never,
                    "always" => Color::Always,
                    other => return Err(format!("invalid --color {other:?}").into()),
                }
            }
            Long("exclude-file") => parsed.exclude_file = Some(parser.value()?.into()),
            Long("disable-telemetry") => parsed.disable_telemetry = true,
            Long("help") => {
                print!("{HELP}");
                std::process::exit(0);
            }
            Value(file) => parsed.files.push(file.into()),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(parsed)
}

fn main() {
    let config = consentry::Telemetry::builder("tally")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint("http://127.0.0.1:4318")
        .with_schema(schema())
        // The end-to-end tests run debug builds of tally and check what it sends.
        .with_debug_builds(true);
    let cli = Cli::new(config)
        .expect("tally's telemetry configuration is valid")
        .manage(Manage::Option);
    let (args, telemetry) = match cli.parse(parse, |a| a.disable_telemetry) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("tally: {e}\n{HELP}");
            std::process::exit(2);
        }
    };
    let run = telemetry.run();
    let code = match count(&args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tally: {e}");
            // The class is sent; the message (which may quote the exclude file) is not.
            run.error("Io", &e);
            2
        }
    };
    run.finish(code);
    telemetry.exit(code);
}

fn count(args: &Args) -> io::Result<()> {
    let excluded: Vec<String> = match &args.exclude_file {
        Some(path) => std::fs::read_to_string(path)?
            .lines()
            .map(|w| {
                if w.trim().contains(char::is_whitespace) {
                    Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("invalid exclude word '{w}': one word a line"),
                    ))
                } else {
                    Ok(fold(w.trim(), args.ignore_case))
                }
            })
            .collect::<io::Result<_>>()?,
        None => Vec::new(),
    };
    let (mut lines, mut words) = (0usize, 0usize);
    let mut tally = |reader: &mut dyn BufRead| -> io::Result<()> {
        for line in reader.lines() {
            let line = line?;
            let line = match args.max_line_length {
                0 => line.as_str(),
                n => line.get(..n).unwrap_or(&line),
            };
            lines += 1;
            words += line
                .split_whitespace()
                .filter(|w| !excluded.contains(&fold(w, args.ignore_case)))
                .count();
        }
        Ok(())
    };
    if args.files.is_empty() {
        tally(&mut io::stdin().lock())?;
    }
    for path in &args.files {
        tally(&mut io::BufReader::new(std::fs::File::open(path)?))?;
    }
    let both = !args.lines && !args.words;
    let mut out = io::stdout().lock();
    let mark = |n: usize| match args.color {
        Color::Always => format!("\x1b[1m{n}\x1b[0m"),
        Color::Never => n.to_string(),
    };
    let result = match (both || args.lines, both || args.words) {
        (true, true) => writeln!(out, "{} {}", mark(lines), mark(words)),
        (true, false) => writeln!(out, "{}", mark(lines)),
        _ => writeln!(out, "{}", mark(words)),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn fold(s: &str, ignore_case: bool) -> String {
    if ignore_case {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}
