//! Writing reports without ever leaving half a file: render everything first, then write
//! each file to a temporary sibling and rename it into place.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: refusing to write a report over an input file")]
    IsInput { path: String },
    #[error("{path}: cannot write report: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
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

/// Writes several reports so that a failure replaces none of them where it can be foreseen:
/// every report is first written in full to a temporary sibling, and only when all of them
/// are on disk are they renamed into place. A failure before that removes every temporary
/// file and leaves the old reports untouched.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<(), OutputError> {
    let cleanup = |staged: &[(PathBuf, &Path)]| {
        for (tmp, _) in staged {
            let _ = fs::remove_file(tmp);
        }
    };
    // Staging (write and fsync) runs on every core: a portfolio writes thousands of files,
    // and waiting for each fsync in turn dominated its run time.
    let indexed: Vec<(usize, &(&Path, &[u8]))> = files.iter().enumerate().collect();
    let results = crate::parallel::map(
        &indexed,
        crate::parallel::threads(),
        |(i, (path, contents))| stage(path, contents, *i).map(|tmp| (tmp, *path)),
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
    if let Some(e) = first_error {
        cleanup(&staged);
        return Err(e);
    }
    for (n, (tmp, path)) in staged.iter().enumerate() {
        if let Err(source) = fs::rename(tmp, path) {
            cleanup(&staged[n..]);
            return Err(OutputError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    }
    Ok(())
}

/// Writes `contents` to a new temporary file beside `path` and returns its name.
fn stage(path: &Path, contents: &[u8], index: usize) -> Result<PathBuf, OutputError> {
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
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // `-o reports/2026/q1.html` in a fresh CI checkout: make the folders, as `mkdir -p`
    // would, rather than fail the run after the check itself succeeded.
    fs::create_dir_all(&dir).map_err(io)?;
    let name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let tmp = dir.join(format!(
        ".{}.gapcheck-{}-{index}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(contents)?;
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
