//! Files ofscope reads whole, within a bound, and files it writes: never one of its own
//! inputs, and never half-written over an old one.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use ofscope_dissectors::printable::Echo;

/// Reads a file that is read whole (a golden, raw message bytes), refusing one larger than
/// `limit` bytes after reading at most one byte past it: `/dev/zero` or a huge file given by
/// mistake costs `limit` bytes of memory, not all of it.
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let shown = Echo::path(path).to_string();
    let cannot_read = || format!("cannot read {what} {shown}");
    let file = File::open(path)
        .map_err(anyhow::Error::from)
        .map_err(|e| e.context(cannot_read()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(anyhow::Error::from)
        .map_err(|e| e.context(cannot_read()))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!(
            "{shown} is larger than {} MiB, the most a {what} may be; give the right file",
            limit >> 20
        );
    }
    Ok(bytes)
}

/// Refuses an output that names one of the inputs: the same path, or the same file by
/// device and inode (a link or another spelling of the path). Writing it would destroy the
/// input while it is still to be read.
pub fn refuse_input_as_output<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> anyhow::Result<()> {
    let output_id = fs::metadata(output).ok().map(|m| (m.dev(), m.ino()));
    for input in inputs {
        let same_file = output_id.is_some()
            && fs::metadata(input).ok().map(|m| (m.dev(), m.ino())) == output_id;
        if same_file || input == output {
            anyhow::bail!(
                "will not write {}: it is also an input, and writing would destroy it; name another output file",
                Echo::path(output)
            );
        }
    }
    Ok(())
}

/// A file written under a temporary name in the folder of its final path, and renamed over
/// it by [`AtomicFile::commit`]: an interrupted run leaves the old file whole. Dropped
/// without a commit, the temporary file is removed.
pub struct AtomicFile {
    file: File,
    temporary: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".ofscope-{}.tmp", std::process::id()));
        let temporary = path.with_file_name(temporary_name);
        let file = File::create(&temporary)?;
        Ok(AtomicFile {
            file,
            temporary,
            path: path.to_path_buf(),
            committed: false,
        })
    }

    /// Puts the written file in place of the old one.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.sync_all()?;
        fs::rename(&self.temporary, &self.path)?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the old file is whole either way.
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ofscope-files-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_read_whole_is_bounded() {
        let dir = scratch("bounded");
        let path = dir.join("golden.json");
        fs::write(&path, [b'x'; 100]).unwrap();
        assert_eq!(read_bounded(&path, 100, "golden file").unwrap().len(), 100);
        let error = read_bounded(&path, 99, "golden file")
            .unwrap_err()
            .to_string();
        assert!(error.contains("larger than"), "{error}");
        // An endless file stops at the bound.
        let zero = read_bounded(Path::new("/dev/zero"), 1 << 20, "golden file");
        assert!(zero.is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_input_is_refused_by_path_and_by_link() {
        let dir = scratch("refuse");
        let input = dir.join("in.pcap");
        fs::write(&input, b"capture").unwrap();
        let link = dir.join("link.pcap");
        let _ = fs::remove_file(&link);
        fs::hard_link(&input, &link).unwrap();
        let other = dir.join("out.pcap");
        assert!(refuse_input_as_output(&input, [input.as_path()]).is_err());
        assert!(refuse_input_as_output(&link, [input.as_path()]).is_err());
        assert!(refuse_input_as_output(&other, [input.as_path()]).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_old_file_stays_whole_until_commit() {
        let dir = scratch("atomic");
        let path = dir.join("golden.json");
        fs::write(&path, b"old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"old");
        drop(file);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "temporary file removed"
        );
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        fs::remove_dir_all(&dir).unwrap();
    }
}
