//! What the kernel says about itself in `kernel_info_reply`: the
//! interpreter's [`KernelIdentity`], in the protocol's terms.

use jupyter_protocol::{CodeMirrorMode, HelpLink, KernelInfoReply, LanguageInfo, ReplyStatus};

pub use crate::interpreter::KernelIdentity;

/// The protocol version we implement; the header of every message we send
/// says the same (jupyter-protocol writes 5.3).
pub const PROTOCOL_VERSION: &str = "5.3";

impl KernelIdentity {
    pub fn kernel_info_reply(&self) -> KernelInfoReply {
        KernelInfoReply {
            status: ReplyStatus::Ok,
            protocol_version: PROTOCOL_VERSION.to_owned(),
            implementation: self.implementation.clone(),
            implementation_version: self.implementation_version.clone(),
            language_info: LanguageInfo {
                name: self.language.clone(),
                version: self.language_version.clone(),
                mimetype: Some(self.mimetype.clone()),
                file_extension: Some(self.file_extension.clone()),
                pygments_lexer: Some(self.pygments_lexer.clone()),
                codemirror_mode: Some(CodeMirrorMode::Simple(self.codemirror_mode.clone())),
                nbconvert_exporter: None,
            },
            banner: self.banner.clone(),
            help_links: self
                .help_links
                .iter()
                .map(|(text, url)| HelpLink {
                    text: text.clone(),
                    url: url.clone(),
                })
                .collect(),
            // A debugger that shows variables only (debug.rs).
            debugger: true,
            error: None,
        }
    }
}
