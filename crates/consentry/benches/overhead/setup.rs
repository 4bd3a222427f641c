//! `setup`: what a run pays before the tool's own work, as `consentry-clap` does it.

use std::hint::black_box;
use std::path::Path;

use criterion::Criterion;

use crate::fixture::{Users, builder, taskr_schema};

pub(crate) fn setup(c: &mut Criterion) {
    let users = Users::new();
    let mut group = c.benchmark_group("setup");
    let cases: [(&str, &Path, bool); 3] = [
        ("opted_out", users.off_dir.as_path(), false),
        ("opted_out_eager_schema", users.off_dir.as_path(), true),
        ("opted_in", users.on_dir.as_path(), false),
    ];
    for (name, dir, eager) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let t = if eager {
                    builder(dir).with_schema(taskr_schema())
                } else {
                    builder(dir).with_schema_fn(taskr_schema)
                };
                let guard = t.build().expect("valid bench configuration").init();
                black_box(guard.is_enabled());
            })
        });
    }
    group.finish();
}
