//! What the kernel says about itself in `kernel_info_reply`: the
//! interpreter's [`KernelIdentity`], in the protocol's terms.

use jupyter_protocol::{
    CodeMirrorMode, HelpLink, JupyterMessageContent, KernelInfoReply, LanguageInfo, ReplyStatus,
    UnknownMessage,
};

pub use crate::interpreter::KernelIdentity;

/// The protocol version we implement; the header of every message we send
/// says the same (jupyter-protocol writes 5.3; the wire sets ours).
pub const PROTOCOL_VERSION: &str = "5.5";

/// What `supported_features` lists (protocol 5.5, JEP 92): the debugger
/// protocol, whose variable requests feed JupyterLab's Variables panel
/// (`debug.rs`). No subshells.
pub const SUPPORTED_FEATURES: [&str; 1] = ["debugger"];

impl KernelIdentity {
    /// The `kernel_info_reply`: jupyter-protocol's reply, which has no
    /// `supported_features` field yet, with that field added.
    pub fn kernel_info_reply(&self) -> JupyterMessageContent {
        let mut content = serde_json::to_value(self.kernel_info())
            .expect("a kernel_info_reply has only strings, booleans and lists");
        if let Some(object) = content.as_object_mut() {
            object.insert("supported_features".to_owned(), SUPPORTED_FEATURES.into());
        }
        JupyterMessageContent::UnknownMessage(UnknownMessage {
            msg_type: "kernel_info_reply".to_owned(),
            content,
        })
    }

    fn kernel_info(&self) -> KernelInfoReply {
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
