//! fastreg-client against the emulator, in-process: every endpoint, the error paths, the peers'
//! token bugs (one test each, `lessons`), and the "Done means" (`done_means`).

mod done_means;
mod endpoints;
mod flight;
mod harness;
mod lessons;
mod lifecycle;
mod observer;
mod registration_routes;
mod retry;
mod scripted;
