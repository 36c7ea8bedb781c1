-- Hardening (issue 13). The same SQL on both backends.

-- When WeChat issued the value of a `tokens` row, unix milliseconds, where WeChat says so: the
-- verify ticket's `CreateTime`. A ticket is replaced only by one issued at the same time or
-- later, so a replayed older push (genuinely signed) cannot roll the ticket back.
ALTER TABLE tokens ADD COLUMN issued_at BIGINT;

-- A generated one-time password works until then (unix milliseconds); NULL for a password the
-- user chose.
ALTER TABLE console_users ADD COLUMN password_expires_at BIGINT;

-- Wrong passwords per user name and client address, so that a stranger guessing from one
-- address locks that address out (for that name, and after more tries for every name), never
-- the real user signing in from another. Replaces `console_users.locked_until`, which locked the
-- user everywhere. Rows are deleted by a good password and once stale.
CREATE TABLE console_sign_in_failures (
    username      TEXT NOT NULL,
    address       TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    locked_until  BIGINT,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX console_sign_in_failures_address ON console_sign_in_failures (address, updated_at);
