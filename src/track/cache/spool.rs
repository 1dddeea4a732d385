//! The new file of a pack or of pieces, written as the run goes: new
//! entries are appended as they are made (from any worker thread), and at
//! the end of the run the entries kept from the old file, the index and a
//! footer; then it is renamed over the old file, so a reader never sees
//! half a file. Memory holds where each entry went, not the entries.
//!
//! Created with the first entry, beside its target, as
//! `.<target name>.<process id>.tmp`; removed when the run writes nothing
//! (and, if the run is killed, by a later run's pruning). A failed write
//! breaks the spool: nothing more is written and the old file stays.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Spool {
    target: PathBuf,
    header: Vec<u8>,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    out: Option<Writer>,
    broken: bool,
}

/// The open temporary file; removed on drop unless committed.
#[derive(Debug)]
pub struct Writer {
    tmp: PathBuf,
    target: PathBuf,
    w: Option<BufWriter<File>>,
    len: u64,
}

impl Spool {
    /// A spool for `target` whose file starts with `header`.
    pub fn new(target: PathBuf, header: Vec<u8>) -> Spool {
        Spool {
            target,
            header,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Append `bytes`; their offset in the file, or `None` when the spool
    /// cannot be written.
    pub fn append(&self, bytes: &[u8]) -> Option<u64> {
        let mut inner = self.inner.lock().ok()?;
        if inner.broken {
            return None;
        }
        if inner.out.is_none() {
            inner.out = Writer::create(&self.target, &self.header);
        }
        let at = inner.out.as_mut().and_then(|w| w.append(bytes));
        if at.is_none() {
            inner.broken = true;
            inner.out = None;
        }
        at
    }

    /// The writer, to finish the file: the one made by [`Spool::append`],
    /// or a new one when none was made. `None` when the spool broke.
    pub fn finish(&self) -> Option<Writer> {
        let mut inner = self.inner.lock().ok()?;
        if inner.broken {
            return None;
        }
        match inner.out.take() {
            Some(w) => Some(w),
            None => Writer::create(&self.target, &self.header),
        }
    }

    /// Drop what was spooled (the run changed nothing).
    pub fn discard(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.out = None;
        }
    }
}

impl Writer {
    fn create(target: &std::path::Path, header: &[u8]) -> Option<Writer> {
        let dir = target.parent()?;
        let name = target.file_name()?.to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp).ok()?;
        let mut w = Writer {
            tmp,
            target: target.to_path_buf(),
            w: Some(BufWriter::with_capacity(256 * 1024, file)),
            len: 0,
        };
        w.append(header)?;
        Some(w)
    }

    /// Append `bytes`; their offset.
    pub fn append(&mut self, bytes: &[u8]) -> Option<u64> {
        let at = self.len;
        self.w.as_mut()?.write_all(bytes).ok()?;
        self.len += bytes.len() as u64;
        Some(at)
    }

    /// Flush and rename over the target; whether it worked.
    pub fn commit(mut self) -> bool {
        let Some(mut w) = self.w.take() else {
            return false;
        };
        if w.flush().is_err() {
            return false;
        }
        drop(w);
        std::fs::rename(&self.tmp, &self.target).is_ok()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Committed: renamed away (the remove fails harmlessly).
        if self.w.take().is_some() || self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
