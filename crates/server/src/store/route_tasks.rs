//! The enterprise, personal and trial routes' tasks and a trial's conversion (beta verifications).
