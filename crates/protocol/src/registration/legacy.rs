//! The old registration versions WeChat took offline on 2026-04-30 12:00
//! (`registration-routes.md` §5): `/cgi-bin/component/fastregisterweapp` (registerMiniprogram)
//! answers a plain `-1 system error` whatever the body, and the other routes' old versions
//! (no `new_version: true`) are refused too. Kept as a path so the emulator can refuse it as
//! WeChat does and a client can recognise it; no SDK method calls it.

/// registerMiniprogram's path (create and search).
pub const FASTREGISTERWEAPP_PATH: &str = "/cgi-bin/component/fastregisterweapp";
