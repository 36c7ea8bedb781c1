//! The durable job queue's table: enqueue, claim, finish, retry, list.
