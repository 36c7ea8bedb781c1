-- The operator console (src/console): its users, their sessions, and what it remembers of each
-- Official Account's profile. The same SQL on both backends (TEXT and BIGINT only); times are
-- unix milliseconds like everywhere else.

-- People who sign in to the console. `password_hash` is an argon2id PHC string; the first user
-- is created with a generated one-time password (`must_change_password` = 1) that must be
-- replaced at the first sign-in.
CREATE TABLE console_users (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    password_hash         TEXT NOT NULL,
    must_change_password  BIGINT NOT NULL DEFAULT 0,
    failed_logins         BIGINT NOT NULL DEFAULT 0,  -- in a row; reset by a good password
    locked_until          BIGINT,                     -- sign-in refused until then (too many failures)
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

-- Signed-in browsers. The cookie holds a random token; only its SHA-256 is stored, so a copy of
-- the database does not sign anyone in. Each session has its own CSRF token for its forms.
CREATE TABLE console_sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- What getaccountbasicinfo said of an Official Account (its subject type decides
-- copy_wx_verify), kept so the account list does not call WeChat for every row on every view.
CREATE TABLE console_account_profiles (
    appid              TEXT PRIMARY KEY,
    principal_type     BIGINT NOT NULL,               -- 0 individual, 1 enterprise, 2 media, 3 government, 4 other
    realname_status    BIGINT NOT NULL,
    verified           BIGINT NOT NULL,               -- qualification_verify, 0/1
    verify_expires_at  BIGINT,                        -- annual_review_end_time, unix seconds
    fetched_at         BIGINT NOT NULL
);
