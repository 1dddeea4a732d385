//! Files in and out, other than permits: every file the tool reads besides
//! a permit (baselines, waivers, previous lists, policies, rule tests, the
//! configuration, EIA approval lists, platform pages, device maps,
//! monitoring data) goes through [`read_bytes`] or [`read_text`], and every
//! file it writes through [`Writer`].
//!
//! Reading: only a regular file (a FIFO would block, `/dev/zero` never
//! ends), at most [`MAX_INPUT_BYTES`], valid UTF-8; checked before the file
//! is opened, and never more than the limit read whatever the metadata
//! says.
//!
//! Writing never loses a user's file: the data goes to a temporary file in
//! the same folder, is flushed to disk and renamed over the target, so on
//! any failure (a full disk) the old file is intact. The target may not be
//! a symbolic link, may not be one of the run's input files, and may only
//! replace an existing file that permitlint wrote (named in the folder's
//! [`MANIFEST`]) unless the user passed `--force`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Size limit of every file read by [`read_text`] (permits have their own,
/// `--max-file-size`).
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The file, in each folder permitlint writes into, that lists (one name a
/// line) the files it wrote there: those it may replace without `--force`.
pub const MANIFEST: &str = ".permitlint-outputs";

/// Size limit of a monitoring data file (an HJ 212 log or a CSV export):
/// one is read whole while it is fed, so this bounds the memory a file can
/// take.
pub const MAX_DATA_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Read a whole file as bytes: a regular file of at most `limit` bytes.
/// The error is a sentence naming the file.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let shown = crate::escape::path(path);
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "cannot read `{shown}`: not a regular file (a folder, pipe, device or socket)"
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "cannot read `{shown}`: {} bytes, more than the limit of {limit}",
            meta.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    // The size `stat` gave (at most `limit`): one allocation, no doubling
    // and copying as the read grows (a file that grows meanwhile still
    // reads, and still meets the limit below).
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "cannot read `{shown}`: more than the limit of {limit} bytes"
        ));
    }
    Ok(bytes)
}

/// Read a whole text file: a regular file of at most `limit` bytes, UTF-8.
/// The error is a sentence naming the file.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let shown = crate::escape::path(path);
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read `{shown}`: not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Writes the outputs of one command (see the module documentation).
#[derive(Debug, Default)]
pub struct Writer {
    force: bool,
    /// Canonical paths of the run's input files.
    inputs: Vec<PathBuf>,
}

impl Writer {
    /// `force`: replace existing files permitlint did not write.
    pub fn new(force: bool) -> Writer {
        Writer {
            force,
            inputs: Vec::new(),
        }
    }

    /// Record an input of the run: it is never overwritten.
    pub fn input(&mut self, path: &Path) {
        if let Ok(p) = std::fs::canonicalize(path) {
            self.inputs.push(p);
        }
    }

    /// Why `path` may not be written, if it may not.
    pub fn check(&self, path: &Path) -> Result<(), String> {
        let shown = crate::escape::path(path);
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return Err(format!(
                "`{shown}` is a symbolic link; permitlint never writes through one"
            ));
        }
        if !meta.is_file() {
            return Err(format!("`{shown}` exists and is not a regular file"));
        }
        if std::fs::canonicalize(path).is_ok_and(|p| self.inputs.contains(&p)) {
            return Err(format!(
                "`{shown}` is an input of this run; refusing to overwrite it"
            ));
        }
        if !self.force && !written_by_us(path) {
            return Err(format!(
                "`{shown}` exists and was not written by permitlint; use --force to replace it"
            ));
        }
        Ok(())
    }

    /// Write `data` to `path` atomically after [`Writer::check`], and name
    /// it in the folder's manifest.
    pub fn write(&self, path: &Path, data: &[u8]) -> Result<(), String> {
        self.check(path)?;
        replace(path, data).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        record(path).map_err(|e| {
            format!(
                "wrote `{}` but cannot record it in `{MANIFEST}`: {e}",
                path.display()
            )
        })
    }

    /// Rewrite an input file in place (`policy fmt`): atomically, never
    /// through a symbolic link; no manifest.
    pub fn rewrite(path: &Path, data: &[u8]) -> Result<(), String> {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "`{}` is a symbolic link; permitlint never writes through one",
                path.display()
            ));
        }
        replace(path, data).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    }
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether the manifest next to `path` names it.
fn written_by_us(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    read_manifest(folder(path)).iter().any(|l| l == name)
}

fn read_manifest(dir: &Path) -> Vec<String> {
    let m = dir.join(MANIFEST);
    if std::fs::symlink_metadata(&m).is_ok_and(|m| !m.is_file()) {
        return Vec::new();
    }
    read_text(&m, MAX_INPUT_BYTES)
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Add `path`'s name to its folder's manifest (names with a line break are
/// never recorded: they could forge other names).
fn record(path: &Path) -> std::io::Result<()> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    if name.contains(['\n', '\r']) {
        return Ok(());
    }
    let dir = folder(path);
    let mut names = read_manifest(dir);
    if names.iter().any(|l| l == name) {
        return Ok(());
    }
    names.push(name.to_string());
    names.sort();
    let m = dir.join(MANIFEST);
    if std::fs::symlink_metadata(&m).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("the manifest is a symbolic link"));
    }
    replace(&m, (names.join("\n") + "\n").as_bytes())
}

/// Temporary file in the same folder, flushed, renamed over `path`. On
/// failure the temporary file is removed and `path` is untouched.
fn replace(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = folder(path);
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("no file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_what_it_wrote() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("out.md");
        let w = Writer::new(false);
        w.write(&p, b"one").unwrap();
        w.write(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let theirs = t.path().join("README.md");
        std::fs::write(&theirs, "mine").unwrap();
        let e = w.write(&theirs, b"x").unwrap_err();
        assert!(e.contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "mine");
        Writer::new(true).write(&theirs, b"x").unwrap();
        assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "x");
        // No temporary file left behind.
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn never_through_a_symlink_never_over_an_input() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("target.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = t.path().join("link.md");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = Writer::new(true).write(&link, b"x").unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        let mut w = Writer::new(true);
        w.input(&target);
        let e = w.write(&target, b"x").unwrap_err();
        assert!(e.contains("input"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    #[cfg(unix)]
    #[test]
    fn reads_only_bounded_regular_files() {
        let e = read_text(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("big");
        std::fs::write(&p, vec![b'a'; 2048]).unwrap();
        assert!(read_text(&p, 1024).unwrap_err().contains("limit"));
        assert_eq!(read_text(&p, 4096).unwrap().len(), 2048);
    }
}
