//! The console's operators and their sessions and sign-in throttling.
