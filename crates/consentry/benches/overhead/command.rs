//! `command`: one command run as taskr does it, opted in and opted out.

use std::hint::black_box;

use criterion::Criterion;

use crate::fixture::{Users, taskr_args};
use crate::subscriber::{Setup, timed};

pub(crate) fn command(c: &mut Criterion) {
    let users = Users::new();
    let args = taskr_args();
    let mut group = c.benchmark_group("command");
    for (name, setup) in [("opted_in", Setup::OptedIn), ("opted_out", Setup::OptedOut)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                timed(&users, setup, iters, |g| {
                    let run = g.command("add", black_box(&args));
                    run.project_id(black_box("/home/alice/projects/acme/tasks.txt"));
                    run.count("tasks", 12);
                    run.finish(0);
                })
            });
        });
    }
    group.finish();
}
