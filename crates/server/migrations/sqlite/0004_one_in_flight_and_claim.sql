-- One registration in flight per Official Account, in the schema (spec rule 3, WeChat's 61057):
-- two concurrent starts, on one instance or two, get one row and one unique violation, never two
-- rows. A link that expired while still awaiting the admin is moved to `abandoned` by the next
-- start, in the same transaction as its insert.
--
-- Rows left by the old SELECT-then-INSERT check: every awaiting_admin row that is not the newest
-- in-flight row of its account is abandoned first, so the index can be built.
UPDATE registrations SET state = 'abandoned',
       note = 'superseded by a newer registration of the same account (its link had expired)'
 WHERE state = 'awaiting_admin'
   AND EXISTS (SELECT 1 FROM registrations newer
                WHERE newer.oa_appid = registrations.oa_appid
                  AND newer.state IN ('awaiting_admin', 'ticket_received', 'submitting', 'outcome_unknown', 'code_received')
                  AND (newer.created_at > registrations.created_at
                       OR (newer.created_at = registrations.created_at AND newer.id > registrations.id)));
CREATE UNIQUE INDEX registrations_one_in_flight ON registrations (oa_appid)
 WHERE state IN ('awaiting_admin', 'ticket_received', 'submitting', 'outcome_unknown', 'code_received');

-- The job claim reads one of these two indexes, each in the claim's own order, so a claim costs
-- the same with 10 or 100,000 due jobs; finished jobs are in neither.
CREATE INDEX jobs_queued_by_run_at ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_by_lease ON jobs (locked_until) WHERE status = 'running';
