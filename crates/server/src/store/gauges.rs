//! The counts /metrics shows: queue depth, tokens due, registrations and authorizers by state.
