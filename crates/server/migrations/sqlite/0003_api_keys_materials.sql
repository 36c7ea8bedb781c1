-- API keys: when each was last used (written at most once a minute per key), and which ones
-- came from the `bootstrap_api_key` setting (revoked at start once the setting no longer names
-- them). Keys named `bootstrap` are taken to be the setting's: that name is reserved for it now.
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN from_settings BIGINT NOT NULL DEFAULT 0;
UPDATE api_keys SET from_settings = 1 WHERE name = 'bootstrap';

-- Materials (the images of setup plans) are sealed with the service's key like tokens, bound to
-- their row (`materials:<id>`), and deleted once the step that needs them is done or failed.
-- Rows stored before are plain (sealed = 0) until the upkeep seals them.
ALTER TABLE materials ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
