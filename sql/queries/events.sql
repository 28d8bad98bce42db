-- name: InsertEvents :copyfrom
-- Bulk-loads events with COPY; the caller guarantees the ids are new.
INSERT INTO events (project_id, occurred_at, id, agent_id, engine, task_id, kind, payload)
VALUES (@project_id, @occurred_at, @id, @agent_id, @engine, @task_id, @kind, @payload);

-- name: CountEventsForProject :one
-- Number of stored events of one project.
SELECT count(*)::bigint AS n FROM events WHERE project_id = @project_id::uuid;
