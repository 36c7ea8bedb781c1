//! Domains (lifecycle spec §4). Mode A copies domains the component registered
//! (modify_wxa_server_domain / modify_wxa_jump_domain, component token) to a Mini Program
//! (modify_domain / setwebviewdomain, its token; 85018/89021 for a domain the component did not
//! register, 50 changes a month); mode B writes them directly (modify_domain_directly).

mod component_jump;
mod component_server;
mod effective;
mod modify;
mod modify_directly;
mod webview;

pub use component_jump::*;
pub use component_server::*;
pub use effective::*;
pub use modify::*;
pub use modify_directly::*;
pub use webview::*;

use serde::{Deserialize, Serialize};

/// The six server-domain lists of a Mini Program.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerDomains {
    /// `https://…` for wx.request.
    #[serde(default)]
    pub requestdomain: Vec<String>,
    /// `wss://…` for sockets.
    #[serde(default)]
    pub wsrequestdomain: Vec<String>,
    /// `https://…` for uploads.
    #[serde(default)]
    pub uploaddomain: Vec<String>,
    /// `https://…` for downloads.
    #[serde(default)]
    pub downloaddomain: Vec<String>,
    /// `udp://…`.
    #[serde(default)]
    pub udpdomain: Vec<String>,
    /// `tcp://…`.
    #[serde(default)]
    pub tcpdomain: Vec<String>,
}

impl ServerDomains {
    /// Only request, upload and download domains (the usual case).
    pub fn https(domains: &[&str]) -> Self {
        let v: Vec<String> = domains.iter().map(|d| (*d).to_owned()).collect();
        ServerDomains {
            requestdomain: v.clone(),
            uploaddomain: v.clone(),
            downloaddomain: v,
            ..Default::default()
        }
    }

    /// The six lists with their wire names.
    pub fn lists(&self) -> [(&'static str, &Vec<String>); 6] {
        [
            ("requestdomain", &self.requestdomain),
            ("wsrequestdomain", &self.wsrequestdomain),
            ("uploaddomain", &self.uploaddomain),
            ("downloaddomain", &self.downloaddomain),
            ("udpdomain", &self.udpdomain),
            ("tcpdomain", &self.tcpdomain),
        ]
    }

    /// The six lists, mutable, with their wire names.
    pub fn lists_mut(&mut self) -> [(&'static str, &mut Vec<String>); 6] {
        [
            ("requestdomain", &mut self.requestdomain),
            ("wsrequestdomain", &mut self.wsrequestdomain),
            ("uploaddomain", &mut self.uploaddomain),
            ("downloaddomain", &mut self.downloaddomain),
            ("udpdomain", &mut self.udpdomain),
            ("tcpdomain", &mut self.tcpdomain),
        ]
    }
}
