//! Writing reports without ever leaving half a file: render everything first (or, for a
//! large JSON report, produce it straight into the file: [`Contents::Stream`]), then write
//! each file to a temporary sibling and rename it into place. A portfolio directory is
//! written whole into a staging directory beside it and swapped in.
//!
//! SIGINT and SIGTERM are caught while files are written: the run stops at the next file,
//! removes what it staged and exits 130, so an interrupt leaves the old reports or the new
//! ones, never debris or a mix. A second signal stops at once.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: refusing to write a report over an input file")]
    IsInput { path: String },
    #[error(
        "{dir}: refusing to write a portfolio here: input {input} is inside it, and the directory is replaced as a whole"
    )]
    InputInside { dir: String, input: String },
    #[error(
        "{dir}: refusing to replace a directory gapcheck did not write (it has no {MARKER} file); choose a new or empty directory"
    )]
    NotOurs { dir: String },
    #[error("interrupted: no report was written, and the previous ones are as they were")]
    Interrupted,
    #[error("{path}: cannot write report: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Set by SIGINT or SIGTERM once [`guard_signals`] has run.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT and SIGTERM from now on: the first sets a flag that the writers check
/// between files; a second ends the process at once (exit 130), for a user who cannot wait.
/// Only called when writing begins, so an interrupt before that ends the run as usual.
pub fn guard_signals() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The shutdown is registered first, so it sees the flag as the previous signal
            // left it. Registration fails only for forbidden signals, which these are not.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, &INTERRUPTED);
            let _ = signal_hook::flag::register(sig, &INTERRUPTED);
        }
    });
}

/// For the interrupt tests only, and only in debug builds: a pause after each staged file
/// (`GAPCHECK_TEST_STAGING_PAUSE_MS`), so a test can send a signal while files are staged.
fn test_pause() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("GAPCHECK_TEST_STAGING_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Whether SIGINT or SIGTERM arrived while reports were being written.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails if `out` names the same file as any of `inputs`, so a typo in `-o` cannot
/// destroy the arrangement or a catalog.
pub fn refuse_inputs(out: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    let Ok(out_abs) = fs::canonicalize(out) else {
        return Ok(());
    };
    for i in inputs {
        if fs::canonicalize(i).is_ok_and(|p| p == out_abs) || same_inode(out, i) {
            return Err(OutputError::IsInput {
                path: out.display().to_string(),
            });
        }
    }
    Ok(())
}

/// Whether two paths are hard links to one file, which their canonical paths do not show.
#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

/// Writes `contents` to `path` atomically: a reader sees the old file or the new one, and a
/// failure leaves no partial file behind.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    write_all_atomic(&[(path, contents)])
}

/// What one report file holds: bytes rendered before, or a writer that produces them into
/// the temporary file, so a large report is never held in memory whole (issue 17).
#[derive(Clone, Copy)]
pub enum Contents<'a> {
    Bytes(&'a [u8]),
    /// Called once, with a buffered writer into the temporary file; an error it returns
    /// fails the run like any write error, and the temporary file is removed.
    Stream(&'a (dyn Fn(&mut dyn Write) -> std::io::Result<()> + Sync)),
}

/// Writes several reports so that a failure replaces none of them where it can be foreseen:
/// every report is first written in full to a temporary sibling, and only when all of them
/// are on disk are they renamed into place. A failure before that removes every temporary
/// file and leaves the old reports untouched.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<(), OutputError> {
    let files: Vec<(&Path, Contents)> = files
        .iter()
        .map(|(path, bytes)| (*path, Contents::Bytes(bytes)))
        .collect();
    write_all_streamed(&files)
}

/// [`write_all_atomic`], with reports that may be written as they are produced.
pub fn write_all_streamed(files: &[(&Path, Contents)]) -> Result<(), OutputError> {
    guard_signals();
    let cleanup = |staged: &[(PathBuf, &Path)]| {
        for (tmp, _) in staged {
            let _ = fs::remove_file(tmp);
        }
    };
    // Staging (write and fsync) runs on every core: a portfolio writes thousands of files,
    // and waiting for each fsync in turn dominated its run time.
    let indexed: Vec<(usize, &(&Path, Contents))> = files.iter().enumerate().collect();
    let results = crate::parallel::map(
        &indexed,
        crate::parallel::threads(),
        |(i, (path, contents))| {
            if interrupted() {
                return Err(OutputError::Interrupted);
            }
            let staged = stage(path, contents, *i).map(|tmp| (tmp, *path));
            test_pause();
            staged
        },
    );
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    let mut first_error = None;
    for r in results {
        match r {
            Ok(s) => staged.push(s),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if first_error.is_none() && interrupted() {
        first_error = Some(OutputError::Interrupted);
    }
    if let Some(e) = first_error {
        cleanup(&staged);
        // An interrupt makes every other failure moot.
        return Err(if interrupted() {
            OutputError::Interrupted
        } else {
            e
        });
    }
    // The renames are quick and not interrupted: stopping half-way would leave a mix.
    for (n, (tmp, path)) in staged.iter().enumerate() {
        if let Err(source) = fs::rename(tmp, path) {
            cleanup(&staged[n..]);
            return Err(OutputError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    }
    let mut parents: Vec<PathBuf> = staged.iter().map(|(_, p)| parent_of(p)).collect();
    parents.sort();
    parents.dedup();
    for dir in parents {
        sync_dir(&dir);
    }
    Ok(())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes renames in `dir` durable: a rename is an update of the directory, which the files'
/// own fsync does not cover. Best effort: not every platform or file system allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Flushes every file written into `dir` to disk before it is swapped in: on Linux one
/// `syncfs(2)` of its file system, which costs about one fsync where a portfolio would
/// otherwise make one per file (3,000 for 1,000 clients); elsewhere files were synced
/// as they were written.
fn sync_fs(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = fs::File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `d` keeps open for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    Ok(())
}

/// Writes `contents` to a new temporary file beside `path` and returns its name.
fn stage(path: &Path, contents: &Contents, index: usize) -> Result<PathBuf, OutputError> {
    let io = |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    };
    if path.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let dir = parent_of(path);
    // `-o reports/2026/q1.html` in a fresh CI checkout: make the folders, as `mkdir -p`
    // would, rather than fail the run after the check itself succeeded.
    fs::create_dir_all(&dir).map_err(io)?;
    let name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let tmp = dir.join(temp_name(&name.to_string_lossy(), index));
    // A report rewritten keeps the permissions it was given (a 0600 report stays private).
    let keep = fs::metadata(path).ok().map(|m| m.permissions());
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Some(p) = keep {
            f.set_permissions(p)?;
        }
        match contents {
            Contents::Bytes(b) => f.write_all(b)?,
            Contents::Stream(write) => {
                let mut w = std::io::BufWriter::with_capacity(STREAM_BUFFER, &mut f);
                write(&mut w)?;
                w.flush()?;
            }
        }
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            // create_new failed only if the file was someone else's: leave it alone then.
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = fs::remove_file(&tmp);
            }
            Err(io(e))
        }
    }
}

/// The buffer between a streamed report and its file: large enough that writes are few.
pub const STREAM_BUFFER: usize = 1 << 16;

/// A hidden temporary name beside a report: the report's name cut to 100 bytes (at a
/// character boundary), so a valid 255-byte report name still gives a valid temporary name.
fn temp_name(name: &str, index: usize) -> String {
    let mut cut = name.len().min(100);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        ".{}.gapcheck-{}-{index}.tmp",
        &name[..cut],
        std::process::id()
    )
}

/// The file that marks a directory as a gapcheck portfolio, which a later run may replace.
pub const MARKER: &str = ".gapcheck-portfolio";

/// Whether `path` lies inside `dir` (both as given, made absolute, and after resolving
/// links): inputs there would be deleted when the directory is replaced.
fn inside(path: &Path, dir_abs: &Path, dir_canon: &Path) -> bool {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let canon = fs::canonicalize(path).unwrap_or_else(|_| abs.clone());
    abs.starts_with(dir_abs) || canon.starts_with(dir_canon)
}

/// Writes a portfolio directory as a whole: every file into a staging directory beside
/// `dir`, then the staging directory swapped in for the old one. A reader, an interrupt or a
/// failure sees the old portfolio or the new one, never a mix.
///
/// Refused before anything is written: `dir` holding an input (it is about to be replaced),
/// and an existing non-empty `dir` that lacks the [`MARKER`] file (it holds someone's files).
/// The one moment that is not atomic is between the two renames of the swap; a crash there
/// (a signal is held off until the swap is done) leaves the old portfolio beside `dir` as
/// `.NAME.gapcheck-old-PID`.
pub fn write_dir_atomic(
    dir: &Path,
    files: &[(String, &[u8])],
    inputs: &[PathBuf],
) -> Result<(), OutputError> {
    let staged = StagedDir::begin(dir, inputs)?;
    let results = crate::parallel::map(files, crate::parallel::threads(), |(name, bytes)| {
        staged.write(name, bytes)
    });
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    staged.commit()
}

/// A portfolio directory being written: files go into a staging directory beside `dir` as
/// they are produced (so a portfolio never holds every report in memory), and
/// [`StagedDir::commit`] swaps it in, with the guarantees of [`write_dir_atomic`]. Dropped
/// without a commit (an error, an interrupt), it removes the staging directory.
pub struct StagedDir {
    dir: PathBuf,
    shown: String,
    parent: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    exists: bool,
    committed: bool,
}

impl StagedDir {
    /// Checks `dir` (no input inside it; an existing one must be a gapcheck portfolio),
    /// creates the staging directory and starts catching SIGINT/SIGTERM.
    pub fn begin(dir: &Path, inputs: &[PathBuf]) -> Result<StagedDir, OutputError> {
        let shown = dir.display().to_string();
        let io = |source| OutputError::Io {
            path: shown.clone(),
            source,
        };
        let dir_abs = std::path::absolute(dir).map_err(io)?;
        let dir_canon = fs::canonicalize(dir).unwrap_or_else(|_| dir_abs.clone());
        for i in inputs {
            if inside(i, &dir_abs, &dir_canon) {
                return Err(OutputError::InputInside {
                    dir: shown.clone(),
                    input: i.display().to_string(),
                });
            }
        }
        let exists = match fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => true,
            Ok(_) => {
                return Err(io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "exists and is not a directory",
                )));
            }
            Err(_) => false,
        };
        if exists && !dir.join(MARKER).exists() && fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(OutputError::NotOurs { dir: shown });
        }
        let parent = parent_of(&dir_abs);
        fs::create_dir_all(&parent).map_err(io)?;
        let base = dir_abs
            .file_name()
            .map_or_else(|| "portfolio".into(), |n| n.to_string_lossy().into_owned());
        let base = temp_name(&base, 0);
        let staging = parent.join(format!("{base}.staging"));
        let old = parent.join(format!("{base}.old"));
        guard_signals();
        fs::create_dir(&staging).map_err(io)?;
        let staged = StagedDir {
            dir: dir.to_path_buf(),
            shown: shown.clone(),
            parent,
            staging,
            old,
            exists,
            committed: false,
        };
        if exists && let Ok(m) = fs::metadata(dir) {
            fs::set_permissions(&staged.staging, m.permissions()).map_err(io)?;
        }
        Ok(staged)
    }

    fn failed(&self, e: OutputError) -> OutputError {
        if interrupted() {
            OutputError::Interrupted
        } else {
            e
        }
    }

    /// Writes one file of the portfolio (a new name) into the staging directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        if interrupted() {
            return Err(OutputError::Interrupted);
        }
        let p = self.staging.join(name);
        let write = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p)?;
            f.write_all(bytes)?;
            // On Linux the whole staging directory is flushed once before the swap
            // (`commit`); one fsync per file was most of a large portfolio's time.
            if cfg!(target_os = "linux") {
                Ok(())
            } else {
                f.sync_all()
            }
        };
        let written = write().map_err(|source| OutputError::Io {
            path: p.display().to_string(),
            source,
        });
        test_pause();
        written.map_err(|e| self.failed(e))
    }

    /// Opens a new file of the portfolio for writing piece by piece; written with
    /// [`StagedDir::write`]'s care once [`StagedDir::close`] has synced it.
    pub fn create(&self, name: &str) -> Result<(PathBuf, fs::File), OutputError> {
        if interrupted() {
            return Err(OutputError::Interrupted);
        }
        let p = self.staging.join(name);
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .map_err(|source| OutputError::Io {
                path: p.display().to_string(),
                source,
            })?;
        Ok((p, f))
    }

    /// Syncs a file opened with [`StagedDir::create`] (on Linux, at the commit).
    pub fn close(&self, path: &Path, file: fs::File) -> Result<(), OutputError> {
        if cfg!(target_os = "linux") {
            return Ok(());
        }
        file.sync_all().map_err(|source| {
            self.failed(OutputError::Io {
                path: path.display().to_string(),
                source,
            })
        })
    }

    /// Where a file of the portfolio is while it is staged.
    pub fn staged_path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Adds the marker, then swaps the staging directory in for `dir`.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let marker =
            b"This directory was written by gapcheck and is replaced as a whole by its next run.\n";
        self.write(MARKER, marker)?;
        let io = |source| OutputError::Io {
            path: self.shown.clone(),
            source,
        };
        sync_fs(&self.staging).map_err(io)?;
        sync_dir(&self.staging);
        if interrupted() {
            return Err(OutputError::Interrupted);
        }
        // The swap: not interrupted (the flag is only read before it).
        if self.exists
            && let Err(e) = fs::rename(&self.dir, &self.old)
        {
            return Err(io(e));
        }
        if let Err(e) = fs::rename(&self.staging, &self.dir) {
            if self.exists {
                let _ = fs::rename(&self.old, &self.dir);
            }
            return Err(io(e));
        }
        self.committed = true;
        sync_dir(&self.parent);
        if self.exists {
            let _ = fs::remove_dir_all(&self.old);
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_cleans_up_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        // A parent that is a file cannot be created as a directory.
        let bad = dir.path().join("r.json").join("r.json");
        assert!(write_atomic(&bad, b"x").is_err());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn creates_missing_parent_directories() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("reports").join("2026").join("r.json");
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn refuses_to_overwrite_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        fs::write(&p, "x").unwrap();
        assert!(refuse_inputs(&p, std::slice::from_ref(&p)).is_err());
        assert!(refuse_inputs(&dir.path().join("b.json"), &[p]).is_ok());
    }
}
