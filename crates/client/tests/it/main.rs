//! fastreg-client against the emulator, in-process: every endpoint, the error paths, the peers'
//! token bugs (one test each, `lessons`), and the "Done means" (`done_means`).

mod done_means;
mod endpoints;
mod harness;
mod lessons;
mod lifecycle;
mod retry;
mod scripted;
