//! What the kernel says about itself in `kernel_info_reply`.

use jupyter_protocol::{CodeMirrorMode, HelpLink, KernelInfoReply, LanguageInfo, ReplyStatus};

/// The protocol version we implement; the header of every message we send
/// says the same (jupyter-protocol writes 5.3).
pub const PROTOCOL_VERSION: &str = "5.3";

/// Facts about this kernel that kernel_info reports.
#[derive(Debug, Clone)]
pub struct KernelIdentity {
    /// The Rust compiler's version, e.g. `1.95.0`.
    pub rustc_version: String,
    /// memscope's own version.
    pub implementation_version: String,
}

impl KernelIdentity {
    pub fn kernel_info_reply(&self) -> KernelInfoReply {
        KernelInfoReply {
            status: ReplyStatus::Ok,
            protocol_version: PROTOCOL_VERSION.to_owned(),
            implementation: "memscope".to_owned(),
            implementation_version: self.implementation_version.clone(),
            language_info: LanguageInfo {
                name: "rust".to_owned(),
                version: self.rustc_version.clone(),
                mimetype: Some("text/x-rustsrc".to_owned()),
                file_extension: Some(".rs".to_owned()),
                pygments_lexer: Some("rust".to_owned()),
                codemirror_mode: Some(CodeMirrorMode::Simple("rust".to_owned())),
                nbconvert_exporter: None,
            },
            banner: format!(
                "memscope {} - Rust {} through evcxr.\n\
                 Cells are Rust statements and items; a trailing expression is shown as the result.\n\
                 :help lists the commands.",
                self.implementation_version, self.rustc_version
            ),
            help_links: vec![
                HelpLink {
                    text: "The Rust Programming Language".to_owned(),
                    url: "https://doc.rust-lang.org/book/".to_owned(),
                },
                HelpLink {
                    text: "Rust standard library".to_owned(),
                    url: "https://doc.rust-lang.org/std/".to_owned(),
                },
                HelpLink {
                    text: "ndarray".to_owned(),
                    url: "https://docs.rs/ndarray/".to_owned(),
                },
            ],
            // A debugger that shows variables only (debug.rs).
            debugger: true,
            error: None,
        }
    }
}
