//! The registrations (every route): their rows, state changes, notes, and the queries of the console's and REST's lists.
