//! `fastreg crypto encrypt|decrypt` — WXBizMsgCrypt from the command line (spec §2): open a push
//! captured from the event URL, or build one to replay against a local service.
//!
//! Both read stdin. `encrypt` drops one trailing line break from it (the one an editor or `echo`
//! adds) and prints the reply-form envelope; `decrypt` prints the plaintext followed by a line
//! break. Errors are one line and never contain the token or the keys.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use fastreg_protocol::crypto::{KeyUsed, MsgCrypt};
use rand::Rng;
use std::io::{Read, Write};

#[derive(Subcommand)]
pub enum CryptoCommand {
    /// Encrypt and sign stdin; prints <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
    Encrypt(EncryptArgs),
    /// Verify and decrypt an envelope from stdin (any XML with an <Encrypt> element under its
    /// root); prints the plaintext, or exits non-zero with the reason.
    Decrypt(DecryptArgs),
}

/// What identifies the receiving side: the settings of the component (third-party platform).
#[derive(Args)]
pub struct Component {
    /// The message token (消息校验Token) set on the platform.
    #[arg(long)]
    token: String,
    /// The 43-character EncodingAESKey (消息加解密Key).
    #[arg(long, value_name = "ENCODING_AES_KEY")]
    aes_key: String,
    /// The appid the plaintext ends with: the component appid for third-party platform pushes.
    #[arg(long)]
    appid: String,
}

#[derive(Args)]
pub struct EncryptArgs {
    #[command(flatten)]
    component: Component,
    /// Unix seconds to sign with [default: now].
    #[arg(long)]
    timestamp: Option<String>,
    /// Nonce to sign with [default: 10 random digits].
    #[arg(long)]
    nonce: Option<String>,
}

#[derive(Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    component: Component,
    /// The EncodingAESKey in use before the last change, tried when the current one fails.
    #[arg(long, value_name = "ENCODING_AES_KEY")]
    previous_aes_key: Option<String>,
    /// The `timestamp` query parameter of the push.
    #[arg(long)]
    timestamp: String,
    /// The `nonce` query parameter of the push.
    #[arg(long)]
    nonce: String,
    /// The `msg_signature` query parameter of the push.
    #[arg(long)]
    msg_signature: String,
}

pub fn run(cmd: CryptoCommand) -> Result<()> {
    match cmd {
        CryptoCommand::Encrypt(args) => encrypt(args),
        CryptoCommand::Decrypt(args) => decrypt(args),
    }
}

fn encrypt(args: EncryptArgs) -> Result<()> {
    let crypt = args.component.crypt()?;
    let stdin = read_stdin()?;
    let msg = stdin
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&stdin);
    let timestamp = match args.timestamp {
        Some(timestamp) => timestamp,
        None => now()?,
    };
    let nonce = args.nonce.unwrap_or_else(random_nonce);
    let envelope = crypt.seal(msg, &timestamp, &nonce);
    write_stdout(&format!("{}\n", envelope.to_xml()))
}

fn decrypt(args: DecryptArgs) -> Result<()> {
    let mut crypt = args.component.crypt()?;
    if let Some(previous) = &args.previous_aes_key {
        crypt = crypt.with_previous_key(previous).context("--previous-aes-key")?;
    }
    let envelope = read_stdin()?;
    let decrypted = crypt
        .open(&args.msg_signature, &args.timestamp, &args.nonce, &envelope)
        .context("cannot open the push")?;
    if decrypted.key == KeyUsed::Previous {
        eprintln!("note: decrypted with --previous-aes-key; replies must use that key too");
    }
    write_stdout(&format!("{}\n", decrypted.message))
}

impl Component {
    fn crypt(&self) -> Result<MsgCrypt> {
        MsgCrypt::new(&self.token, &self.aes_key, &self.appid).context("--aes-key")
    }
}

fn read_stdin() -> Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read stdin as UTF-8")?;
    Ok(input)
}

fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write stdout")
}

fn now() -> Result<String> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970; pass --timestamp")?;
    Ok(since_epoch.as_secs().to_string())
}

/// Ten random digits, the shape of the nonces WeChat sends.
fn random_nonce() -> String {
    let mut rng = rand::thread_rng();
    (0..10).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}
