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
    /// Why the spool broke (the first error), when it did.
    broken: Option<String>,
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
        if inner.broken.is_some() {
            return None;
        }
        let at = match inner.out.take() {
            Some(w) => Ok(w),
            None => Writer::create(&self.target, &self.header),
        }
        .and_then(|mut w| {
            let at = w.append(bytes)?;
            Ok((w, at))
        });
        match at {
            Ok((w, at)) => {
                inner.out = Some(w);
                Some(at)
            }
            Err(e) => {
                inner.broken = Some(self.failure_text(&e));
                None
            }
        }
    }

    fn failure_text(&self, e: &std::io::Error) -> String {
        format!("cannot write `{}`: {e}", crate::escape::path(&self.target))
    }

    /// Why the file could not be written, when it could not.
    pub fn failure(&self) -> Option<String> {
        self.inner.lock().ok()?.broken.clone()
    }

    /// Put the finished file in place; whether it worked (why not is kept
    /// for [`Spool::failure`]).
    pub fn commit(&self, w: Writer) -> bool {
        match w.commit() {
            Ok(()) => true,
            Err(e) => {
                if let Ok(mut inner) = self.inner.lock() {
                    inner.broken = Some(self.failure_text(&e));
                }
                false
            }
        }
    }

    /// The writer, to finish the file: the one made by [`Spool::append`],
    /// or a new one when none was made. `None` when the spool broke.
    pub fn finish(&self) -> Option<Writer> {
        let mut inner = self.inner.lock().ok()?;
        if inner.broken.is_some() {
            return None;
        }
        match inner.out.take() {
            Some(w) => Some(w),
            None => match Writer::create(&self.target, &self.header) {
                Ok(w) => Some(w),
                Err(e) => {
                    inner.broken = Some(self.failure_text(&e));
                    None
                }
            },
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
    fn create(target: &std::path::Path, header: &[u8]) -> std::io::Result<Writer> {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        let mut w = Writer {
            tmp,
            target: target.to_path_buf(),
            w: Some(BufWriter::with_capacity(256 * 1024, file)),
            len: 0,
        };
        w.append(header)?;
        Ok(w)
    }

    /// Append `bytes`; their offset.
    pub fn append(&mut self, bytes: &[u8]) -> std::io::Result<u64> {
        let at = self.len;
        match self.w.as_mut() {
            Some(w) => w.write_all(bytes)?,
            None => return Err(std::io::Error::other("already committed")),
        }
        self.len += bytes.len() as u64;
        Ok(at)
    }

    /// Flush and rename over the target.
    fn commit(mut self) -> std::io::Result<()> {
        let Some(mut w) = self.w.take() else {
            return Err(std::io::Error::other("already committed"));
        };
        w.flush()?;
        drop(w);
        std::fs::rename(&self.tmp, &self.target)
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
