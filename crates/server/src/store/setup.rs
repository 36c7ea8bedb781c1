//! A new Mini Program's setup: its plan, steps, materials, and operator category changes.
