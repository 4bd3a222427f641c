//! `mask`: schema masking throughput on long argument vectors.

use std::ffi::OsString;
use std::hint::black_box;

use criterion::{Criterion, Throughput};

use crate::fixture::taskr_schema;

pub(crate) fn mask(c: &mut Criterion) {
    let schema = taskr_schema();
    let mut group = c.benchmark_group("mask");
    // 10 000 tokens: tags, free text and unknown options mixed.
    let mut many = vec![OsString::from("add"), OsString::from("a title")];
    for i in 0..3_333 {
        many.push(OsString::from("--tag"));
        many.push(OsString::from(format!("label-{i}")));
        many.push(OsString::from(if i % 2 == 0 {
            "--unknown=secret"
        } else {
            "-p"
        }));
    }
    let bytes: usize = many.iter().map(|a| a.len()).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("argv_10k_tokens", |b| {
        b.iter(|| schema.mask(black_box(&many), None))
    });
    // One 1 MiB value (a pasted document as a title).
    let long = vec![OsString::from("add"), OsString::from("x".repeat(1 << 20))];
    group.throughput(Throughput::Bytes(1 << 20));
    group.bench_function("one_1MiB_value", |b| {
        b.iter(|| schema.mask(black_box(&long), None))
    });
    group.finish();
}
