//! A held advisory lock on a spool (the sender's or the writer's).

use std::fs::File;

/// A held advisory lock (sender or writer); released when dropped.
#[derive(Debug)]
pub(crate) struct Lock {
    file: Option<File>,
}

impl Lock {
    /// The lock file, to hand to the uploader: the lock belongs to the open file, so
    /// the child holds it from the moment it starts and no other sender can start.
    pub(crate) fn into_file(mut self) -> Option<File> {
        self.file.take()
    }

    /// The lock held through `file`, already locked (taken here, or the uploader's
    /// inherited one).
    pub(crate) fn adopt(file: File) -> Self {
        Lock { file: Some(file) }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Explicit: another descriptor of the same open file (the uploader's stdin)
        // would otherwise keep the lock after this one is closed.
        if let Some(f) = &self.file {
            let _ = f.unlock();
        }
    }
}
