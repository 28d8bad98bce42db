-- Stub for sqlc only: this file is listed in sqlc.yaml's `schema:` but is NEVER migrated.
-- ingest_events_stage is a per-connection TEMPORARY table: CreateIngestEventsStage
-- (sql/queries/ingest.sql) creates it at the start of every ingest transaction (a no-op once
-- the connection has it). Each flush COPYs its batch into it and moves the rows into events
-- with INSERT ... ON CONFLICT DO NOTHING; ON COMMIT DELETE ROWS empties it again. Being
-- temporary, it is private to its connection: concurrent flushers never see each other's rows.
-- Keep the columns in sync with CreateIngestEventsStage.
CREATE TABLE ingest_events_stage (
    project_id  uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    id          uuid        NOT NULL,
    agent_id    uuid        NOT NULL,
    engine      text        NOT NULL,
    task_id     text,
    kind        text        NOT NULL,
    payload     jsonb       NOT NULL
);
