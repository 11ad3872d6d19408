//! Reading the connection file that Jupyter hands a kernel.
//!
//! Invariant: every failure is an error value with the path in its message,
//! so the binary can print one clear line and exit.

use std::path::{Path, PathBuf};

pub use jupyter_protocol::ConnectionInfo;

/// Why a connection file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionFileError {
    #[error("cannot read connection file {path}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("connection file {path} is not a valid Jupyter connection file")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// Reads and parses a connection file.
pub fn read_connection_file(path: &Path) -> Result<ConnectionInfo, ConnectionFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConnectionFileError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ConnectionFileError::Invalid {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_names_the_path() {
        let err = read_connection_file(Path::new("/nonexistent/memscope.json")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/memscope.json"),
            "{err}"
        );
    }

    #[test]
    fn parses_a_jupyter_client_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(
            &path,
            r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4,
                "hb_port": 5, "ip": "127.0.0.1", "key": "k", "transport": "tcp",
                "signature_scheme": "hmac-sha256", "kernel_name": "memscope"}"#,
        )
        .unwrap();
        let info = read_connection_file(&path).unwrap();
        assert_eq!(info.shell_port, 1);
        assert_eq!(info.key, "k");
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            read_connection_file(&path),
            Err(ConnectionFileError::Invalid { .. })
        ));
    }
}
