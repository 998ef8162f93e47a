//! gapcheck reads by name only regular files: opening a FIFO blocks until something writes
//! to it (forever, if nothing does), and a device may never end. Standard input (`-`) is the
//! way to read a pipe, under the same size limit.

/// The fix a refusal suggests.
pub const HELP: &str = "name a regular file; to read a pipe, give `-` and redirect it to stdin";

/// Why `meta` is not read: "is not a regular file (a FIFO)", or `None` for a regular file or
/// a directory (which callers refuse with their own message).
pub fn refusal(meta: &std::fs::Metadata) -> Option<String> {
    special_kind(meta).map(|kind| format!("is not a regular file (a {kind})"))
}

/// What kind of special file `meta` describes, or `None` for a regular file or a directory
/// (which callers refuse with their own message).
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let kinds = [
            (t.is_fifo(), "FIFO"),
            (t.is_socket(), "socket"),
            (t.is_char_device(), "character device"),
            (t.is_block_device(), "block device"),
        ];
        if let Some((_, kind)) = kinds.iter().find(|(is, _)| *is) {
            return Some(kind);
        }
    }
    Some("special file")
}
