//! The REST API's keys (stored hashed).
