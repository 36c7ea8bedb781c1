-- The other routes to a new Mini Program (issue 11): enterprise, personal and trial registration,
-- and a trial's conversion. The same SQL on both backends.
--
-- A registration row now names its `route`. The fastregisterauth route keeps its columns; the
-- other routes leave `oa_appid` empty and use their own states (creating, create_unknown,
-- awaiting_user, exchanging), none of which is in `registrations_one_in_flight`.
ALTER TABLE registrations ADD COLUMN route TEXT NOT NULL DEFAULT 'official_account';
-- When the user's link lapses (WeChat gives 24 h), unix milliseconds.
ALTER TABLE registrations ADD COLUMN auth_expires_at BIGINT;
-- WeChat's taskid (enterprise, personal) or unique_id (trial): pushes are correlated by it.
ALTER TABLE registrations ADD COLUMN task_id TEXT;
-- WeChat's latest task status (the task table, or the push's number), see the catalog.
ALTER TABLE registrations ADD COLUMN task_status BIGINT;
-- Which of the catalog's status tables that number is from: task (the query answer, the personal
-- push), register_push (the enterprise push), trial_push (the trial push).
ALTER TABLE registrations ADD COLUMN task_status_table TEXT;
-- The route's input as the operator gave it (JSON), so that it can be started again.
ALTER TABLE registrations ADD COLUMN route_input TEXT;
-- Polls of WeChat's `query` made while waiting for the push (the backoff doubles with each).
ALTER TABLE registrations ADD COLUMN polls BIGINT NOT NULL DEFAULT 0;
-- The registration started again from this one's input (POST …/restart).
ALTER TABLE registrations ADD COLUMN restarted_as TEXT;
CREATE UNIQUE INDEX registrations_task_id ON registrations (route, task_id) WHERE task_id IS NOT NULL;
CREATE INDEX registrations_route_state ON registrations (route, state);

-- Trial Mini Programs: they lapse 14 days after creation unless converted (转正).
CREATE TABLE trials (
    appid            TEXT PRIMARY KEY,
    registration_id  TEXT,
    name             TEXT NOT NULL,                  -- as WeChat shows it (with 的体验小程序)
    expires_at       BIGINT NOT NULL,
    converted_at     BIGINT,
    reminded_at      BIGINT,                         -- the `trial.expiring` webhook was queued
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- A trial's conversion tasks (verifybetaweapp).
CREATE TABLE beta_verifications (
    id               TEXT PRIMARY KEY,
    appid            TEXT NOT NULL,
    state            TEXT NOT NULL,                  -- creating | create_unknown | awaiting_user | converted | failed
    auth_url         TEXT,
    auth_expires_at  BIGINT,
    input            TEXT NOT NULL,                  -- {enterprise_name, code, component_phone}
    task_status      BIGINT,
    task_status_table TEXT,
    failure          TEXT,                           -- JSON {code, message, remedy, …}
    note             TEXT,
    submissions      BIGINT NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX beta_verifications_appid ON beta_verifications (appid, created_at);
CREATE UNIQUE INDEX beta_verifications_one_open ON beta_verifications (appid)
 WHERE state IN ('creating', 'create_unknown', 'awaiting_user');
