-- migrate:up
-- events_kind_idx (project_id, kind, occurred_at) was maintained on every ingested event but
-- no query reads it: the task timeline uses events_task_idx and time-range listings use the
-- primary key (project_id, occurred_at, id), where a kind filter is cheap. It cost about a
-- third of the raw COPY rate (tests/bench/ingest_db.py). Recreate it, or a narrower partial
-- index, once a query needs events of one kind across a long time range.
DROP INDEX events_kind_idx;

-- migrate:down
CREATE INDEX events_kind_idx ON events (project_id, kind, occurred_at);
