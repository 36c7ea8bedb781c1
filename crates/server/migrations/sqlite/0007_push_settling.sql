-- Settling pushes without their jobs (issue 9). The same SQL on both backends.
--
-- When a registration claims the Mini Program that fastregister (or a route) has just created,
-- the `authorized` push WeChat sent for it is already answered by the claim: the claim's
-- transaction marks the push processed and ends its queued job (keyed `event:<row id>`), so the
-- job never runs. This index finds a subject's unprocessed pushes without reading the inbox.
CREATE INDEX events_unprocessed_by_subject ON events (subject) WHERE processed_at IS NULL;

-- The keyed digest of an authorization's pre_auth_code (the one its componentloginpage URL
-- carries), so that the exchange job reads, with the authorization, the account the
-- `authorized` push noted under it (`code_exchanges`): one read where two were made. Rows from
-- before have none; the job then digests the URL's code as it did.
ALTER TABLE authorizations ADD COLUMN pre_auth_digest TEXT;
