-- fastreg service schema (PostgreSQL). Keep in step with ../sqlite/0001_initial.sql: the same
-- tables and columns, only the types differ (BYTEA/BLOB, identity columns). Times are unix
-- milliseconds (BIGINT), flags are 0/1 BIGINTs, so one set of queries serves both backends.

-- Secrets the client's TokenStore keeps: the verify ticket, the component token and authorizer
-- access tokens. `sealed` is AES-256-GCM (see secret_box.rs), bound to `key`.
CREATE TABLE tokens (
    key         TEXT PRIMARY KEY,
    sealed      BYTEA NOT NULL,
    digest      TEXT NOT NULL,                       -- keyed hash, for compare-and-delete
    expires_at  BIGINT,
    updated_at  BIGINT NOT NULL
);

-- Short leases (single-flight token refresh across instances, the upkeep sweep).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Accounts that authorized the component: Official Accounts and the Mini Programs we registered.
CREATE TABLE authorizers (
    appid                 TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL,              -- official_account | mini_program | unknown
    status                TEXT NOT NULL,              -- authorized | unauthorized | refresh_rejected
    nick_name             TEXT,
    principal_name        TEXT,
    verify_type           BIGINT,
    func_info             TEXT NOT NULL DEFAULT '[]', -- funcscope ids, JSON array
    refresh_token_sealed  BYTEA,
    access_expires_at     BIGINT,
    next_refresh_at       BIGINT,
    flag_reason           TEXT,
    authorized_at         BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX authorizers_next_refresh ON authorizers (next_refresh_at);

-- The componentloginpage flow an operator starts for an Official Account.
CREATE TABLE authorizations (
    id                TEXT PRIMARY KEY,
    state             TEXT NOT NULL,                  -- awaiting_admin | code_received | authorized | failed
    auth_url          TEXT NOT NULL,
    auth_code_sealed  BYTEA,
    auth_code_digest  TEXT,
    authorizer_appid  TEXT,
    failure TEXT,                -- why it stopped: JSON {code, message, remedy, …}
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE registrations (
    id                        TEXT PRIMARY KEY,
    oa_appid                  TEXT NOT NULL,
    copy_wx_verify            BIGINT NOT NULL,
    state                     TEXT NOT NULL,
    auth_url                  TEXT NOT NULL,
    ticket_sealed             BYTEA,
    ticket_digest             TEXT UNIQUE,
    submitted_at              BIGINT,
    submissions               BIGINT NOT NULL DEFAULT 0, -- fastregister calls made (or maybe made)
    mini_program_appid        TEXT,
    authorization_code_sealed BYTEA,
    is_wx_verify_succ         BIGINT,
    is_link_succ              BIGINT,
    failure TEXT,                -- why it stopped: JSON {code, message, remedy, …}
    note                      TEXT,
    setup_plan                TEXT,
    created_by                TEXT NOT NULL,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);
CREATE INDEX registrations_oa ON registrations (oa_appid);
CREATE INDEX registrations_state ON registrations (state);

-- Every state change of a registration, setup step or rebind task, for the operator.
CREATE TABLE history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     TEXT NOT NULL,                        -- registration:<id>, mini_program:<appid>, rebind:<id>
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    note        TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX history_subject ON history (subject, id);

CREATE TABLE mini_programs (
    appid            TEXT PRIMARY KEY,
    registration_id  TEXT,
    oa_appid         TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- One row per step of a Mini Program's setup plan.
CREATE TABLE setup_steps (
    appid          TEXT NOT NULL,
    step           TEXT NOT NULL,                     -- nickname | avatar | signature | categories
    spec           TEXT NOT NULL,                     -- the step's plan, JSON
    state          TEXT NOT NULL,                     -- pending | running | awaiting_audit | done | failed
    detail         TEXT NOT NULL DEFAULT '{}',        -- progress: media ids, audit id, …
    failure TEXT,                -- why it stopped: JSON {code, message, remedy, …}
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (appid, step)
);

-- Images of setup plans (materials, head image, qualifications), kept until uploaded.
CREATE TABLE materials (
    id            TEXT PRIMARY KEY,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE rebind_tasks (
    id             TEXT PRIMARY KEY,
    appid          TEXT NOT NULL,
    state          TEXT NOT NULL,                     -- awaiting_admin | taskid_received | done | failed
    auth_url       TEXT NOT NULL,
    taskid_sealed  BYTEA,
    taskid_digest  TEXT UNIQUE,
    failure TEXT,                -- why it stopped: JSON {code, message, remedy, …}
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- The event inbox: every push, once (event_id is the protocol's dedupe key).
CREATE TABLE events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,                      -- component | authorizer:<appid>
    kind          TEXT NOT NULL,
    subject       TEXT,
    payload_sealed BYTEA NOT NULL,
    received_at   BIGINT NOT NULL,
    processed_at  BIGINT,
    error         TEXT
);

-- The durable job queue.
CREATE TABLE jobs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    dedupe_key    TEXT UNIQUE,
    status        TEXT NOT NULL,                      -- queued | running | succeeded | dead
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    run_at        BIGINT NOT NULL,
    locked_by     TEXT,
    locked_until  BIGINT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Who did what.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    detail   TEXT,
    at       BIGINT NOT NULL
);

-- Authorization codes already exchanged (keyed digest → account): the login page's callback and
-- the `authorized` push carry the same single-use code, and whichever path exchanges it first
-- tells the other which account it was.
CREATE TABLE code_exchanges (
    digest  TEXT PRIMARY KEY,
    appid   TEXT NOT NULL,
    at      BIGINT NOT NULL
);
