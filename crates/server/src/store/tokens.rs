//! The tokens table: sealed access and refresh tokens, the verify ticket, the code exchanges' bookkeeping.
