//! `scrub`: secret scrubbing throughput on 64 KiB of text, with and without secrets,
//! and the cost of one error whose message is 1 MiB (only a window of it is read).

use std::hint::black_box;

use criterion::{Criterion, Throughput};

pub(crate) fn scrub(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrub");
    let line = "error: cannot open /home/alice/projects/acme/tasks.txt for alice@example.com: \
                token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 at https://bob:hunter2@git.example.com/x (10.1.2.3)\n";
    let dirty: String = line.repeat((64 << 10) / line.len());
    let clean: String = "the task list could not be parsed because line seven is not a task \n"
        .repeat((64 << 10) / 69);
    let huge: &'static str = line.repeat((1 << 20) / line.len()).leak();
    group.bench_function("error_1MiB", |b| {
        b.iter(|| consentry::integration::scrub_error(black_box(&Huge(huge))))
    });
    for (name, text) in [("64KiB_secrets", &dirty), ("64KiB_plain", &clean)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| consentry::integration::scrub(black_box(text)))
        });
    }
    group.finish();
}

/// An error whose message quotes a whole file.
#[derive(Debug)]
struct Huge(&'static str);

impl std::fmt::Display for Huge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Huge {}
