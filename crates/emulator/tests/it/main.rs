//! The emulator driven over HTTP, as a platform would drive WeChat: every rule and error code of
//! the spec at least once, each test named after what it pins. One binary (`tests/it`), one
//! in-process emulator per test on 127.0.0.1:0.

mod account;
mod category;
mod component;
mod control;
mod fastregister;
mod interop;
mod interop_lifecycle;
mod lifecycle;
mod pages;
mod rebind;
mod register_codes;
mod register_enterprise;
mod register_flow;
mod register_legacy;
mod register_personal;
mod register_scenario;
mod register_steps;
mod register_subject;
mod register_trial;
mod robustness;
mod scenario;
mod support;
mod wire;
