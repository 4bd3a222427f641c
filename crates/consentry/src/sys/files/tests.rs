use std::path::PathBuf;

use super::*;

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn regular_file_within_cap_is_read_as_bytes() {
    let d = dir();
    let p = write(d.path(), "f", b"consent: false\n\xff\xfe");
    assert_eq!(read_capped(&p, 64).unwrap(), b"consent: false\n\xff\xfe");
    // Exactly the cap is allowed; one more byte is not.
    assert_eq!(read_capped(&p, 17).unwrap().len(), 17);
    assert_eq!(read_capped(&p, 16), Err(ReadError::TooLarge { cap: 16 }));
    assert_eq!(read_capped(&write(d.path(), "e", b""), 0).unwrap(), b"");
}

#[test]
fn missing_and_missing_parent() {
    let d = dir();
    assert_eq!(
        read_capped(&d.path().join("no"), 9),
        Err(ReadError::Missing)
    );
    let f = write(d.path(), "file", b"x");
    assert_eq!(read_capped(&f.join("below"), 9), Err(ReadError::Missing));
}

#[test]
fn directory_is_not_regular() {
    let d = dir();
    assert_eq!(read_capped(d.path(), 9), Err(ReadError::NotRegular));
}

#[test]
fn oversized_file_is_refused_without_reading_it() {
    let d = dir();
    let p = d.path().join("big");
    let f = File::create(&p).unwrap();
    // Sparse: 100 GB claimed, nothing allocated; the fstat size check refuses it.
    f.set_len(100 << 30).unwrap();
    assert_eq!(
        read_capped(&p, PROJECT_CAP),
        Err(ReadError::TooLarge { cap: PROJECT_CAP })
    );
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn symlinks_are_never_followed() {
        let d = dir();
        let target = write(d.path(), "target", b"consent: true");
        symlink(&target, d.path().join("to-file")).unwrap();
        symlink(d.path().join("nowhere"), d.path().join("dangling")).unwrap();
        symlink(d.path().join("loop-b"), d.path().join("loop-a")).unwrap();
        symlink(d.path().join("loop-a"), d.path().join("loop-b")).unwrap();
        symlink(d.path(), d.path().join("to-dir")).unwrap();
        for name in ["to-file", "dangling", "loop-a", "to-dir"] {
            assert_eq!(
                read_capped(&d.path().join(name), 99),
                Err(ReadError::Symlink),
                "{name}"
            );
        }
    }

    #[test]
    fn symlink_to_proc_pagemap_is_refused() {
        let d = dir();
        let link = d.path().join(".telemetry");
        symlink("/proc/self/pagemap", &link).unwrap();
        assert_eq!(read_capped(&link, PROJECT_CAP), Err(ReadError::Symlink));
    }

    #[test]
    fn unsized_proc_file_read_directly_stops_at_the_cap() {
        // pagemap claims size 0 and would yield gigabytes: the read must stop at the
        // cap (one read of at most cap + 1 bytes), either as too large or as the
        // kernel refusing that read length; never the whole file.
        let r = read_capped(Path::new("/proc/self/pagemap"), 4096);
        assert!(
            matches!(r, Err(ReadError::TooLarge { cap: 4096 } | ReadError::Io(_))),
            "{r:?}"
        );
        // A procfs file that is small reads fine although it claims size 0.
        let status = read_capped(Path::new("/proc/self/status"), 1 << 20).unwrap();
        assert!(status.starts_with(b"Name:"));
        let r = read_capped(Path::new("/proc/self/status"), 8);
        assert_eq!(r, Err(ReadError::TooLarge { cap: 8 }));
    }

    #[test]
    fn fifo_is_not_opened_and_does_not_block() {
        let d = dir();
        let p = d.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &p,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        // No writer exists: a blocking open would hang this test forever.
        assert_eq!(read_capped(&p, 99), Err(ReadError::NotRegular));
        assert!(open_lock_file(&p).is_err());
    }

    #[test]
    fn socket_and_device_are_not_regular() {
        let d = dir();
        let p = d.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&p).unwrap();
        assert_eq!(read_capped(&p, 99), Err(ReadError::NotRegular));
        assert_eq!(
            read_capped(Path::new("/dev/null"), 99),
            Err(ReadError::NotRegular)
        );
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 99),
            Err(ReadError::NotRegular)
        );
    }

    #[test]
    fn file_growing_while_read_stops_past_the_cap() {
        // The fstat size check sees the file small; the read itself must still stop.
        let d = dir();
        let p = write(d.path(), "grows", b"small");
        let file = File::open(&p).unwrap();
        let mut w = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        let meta_len = file.metadata().unwrap().len();
        assert_eq!(meta_len, 5);
        w.write_all(&[b'x'; 200]).unwrap();
        assert_eq!(
            read_bounded(file, meta_len, 64),
            Err(ReadError::TooLarge { cap: 64 })
        );
    }

    #[test]
    fn lock_file_never_follows_a_symlink() {
        let d = dir();
        let target = d.path().join("created-elsewhere");
        let lock = d.path().join(".lock");
        symlink(&target, &lock).unwrap();
        assert!(open_lock_file(&lock).is_err());
        assert!(
            !target.exists(),
            "a dangling .lock must not create its target"
        );
        std::fs::remove_file(&lock).unwrap();
        let f = open_lock_file(&lock).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        assert!(
            open_lock_file(d.path()).is_err(),
            "a directory is not a lock file"
        );
    }

    #[test]
    fn atomic_write_replaces_a_symlink_instead_of_writing_through_it() {
        let d = dir();
        let victim = write(d.path(), "victim", b"precious");
        symlink(&victim, d.path().join("settings")).unwrap();
        write_atomic(d.path(), "settings", b"enabled = false\n").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        let meta = std::fs::symlink_metadata(d.path().join("settings")).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(
            read_capped(&d.path().join("settings"), 99).unwrap(),
            b"enabled = false\n"
        );
    }

    #[test]
    fn temp_files_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir();
        let tmp = temp_with(d.path(), b"secret", Durability::PowerLoss).unwrap();
        let mode = tmp.as_file().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        tmp.persist(&d.path().join("key")).unwrap();
        let mode = std::fs::metadata(d.path().join("key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn write_new_does_not_replace_even_a_dangling_symlink() {
        let d = dir();
        let target = d.path().join("elsewhere");
        symlink(&target, d.path().join("id")).unwrap();
        assert!(!write_new(d.path(), "id", b"x", Durability::PowerLoss).unwrap());
        assert!(!target.exists());
        assert!(write_new(d.path(), "id2", b"y", Durability::ProcessCrash).unwrap());
        assert!(!write_new(d.path(), "id2", b"z", Durability::ProcessCrash).unwrap());
        assert_eq!(std::fs::read(d.path().join("id2")).unwrap(), b"y");
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temp file left behind: {left:?}");
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn temp_files_are_removed_when_not_named() {
    let d = dir();
    let tmp = temp_with(d.path(), b"x", Durability::ProcessCrash).unwrap();
    let [name] = &names(d.path())[..] else {
        panic!("{:?}", names(d.path()))
    };
    assert!(name.starts_with(TEMP_PREFIX), "{name}");
    drop(tmp);
    assert!(names(d.path()).is_empty(), "dropped unnamed");
    // A rename that fails (its directory is gone) leaves no temp file either.
    let tmp = temp_with(d.path(), b"x", Durability::PowerLoss).unwrap();
    assert!(tmp.persist(&d.path().join("missing/x")).is_err());
    assert!(names(d.path()).is_empty());
    let tmp = temp_with(d.path(), b"x", Durability::ProcessCrash).unwrap();
    write(d.path(), "taken", b"y");
    let e = tmp.persist_noclobber(&d.path().join("taken")).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(names(d.path()), ["taken"]);
    assert_eq!(std::fs::read(d.path().join("taken")).unwrap(), b"y");
    // Nowhere to create it: an error, nothing made.
    assert!(temp_with(&d.path().join("missing"), b"x", Durability::ProcessCrash).is_err());
}

#[test]
fn persisted_files_hold_the_bytes_and_stay_open() {
    let d = dir();
    let tmp = temp_with(d.path(), b"hello", Durability::PowerLoss).unwrap();
    let file = tmp.persist(&d.path().join("a")).unwrap();
    assert_eq!(names(d.path()), ["a"]);
    assert_eq!(file.metadata().unwrap().len(), 5);
    write_atomic(d.path(), "a", b"again").unwrap();
    assert_eq!(std::fs::read(d.path().join("a")).unwrap(), b"again");
    assert_eq!(names(d.path()), ["a"]);
}

#[test]
fn concurrent_creators_exactly_one_wins() {
    let d = dir();
    let wins: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u8)
            .map(|i| {
                let dir = d.path();
                s.spawn(move || write_new(dir, "id", &[i], Durability::ProcessCrash).unwrap())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(wins, 1);
    assert_eq!(names(d.path()), ["id"], "no temp file left behind");
}

#[test]
fn non_utf8_bytes_are_returned_as_they_are() {
    let d = dir();
    let p = write(d.path(), "bin", b"\xff\x00\xc3(");
    assert_eq!(read_capped(&p, 9).unwrap(), b"\xff\x00\xc3(");
}

#[test]
fn write_within_no_limit_is_allowed() {
    // The soft limit of the test process is whatever the runner set; 0 bytes always fit.
    assert!(fsize_allows(0));
}

#[test]
fn display_names_the_problem() {
    assert_eq!(
        ReadError::NotRegular.to_string(),
        "ignored: not a regular file"
    );
    assert!(
        ReadError::TooLarge { cap: 10 }
            .to_string()
            .contains("10 bytes")
    );
    assert!(ReadError::Symlink.to_string().contains("symlink"));
    assert!(
        ReadError::Io(io::ErrorKind::PermissionDenied)
            .to_string()
            .starts_with("cannot be read")
    );
}
