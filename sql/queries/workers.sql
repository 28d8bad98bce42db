-- name: ConnectWorker :exec
-- Registers (or re-registers) a worker process with its new session.
INSERT INTO agent_workers (agent_id, worker_id, project_id, role, framework, pid, started_at, host,
                           state, session_id, brain_node, connected_at, last_seen_at, disconnected_at)
VALUES (@agent_id::uuid, @worker_id::text, @project_id::uuid, sqlc.narg(role)::text,
        sqlc.narg(framework)::text, sqlc.narg(pid)::integer, sqlc.narg(started_at)::timestamptz,
        @host::jsonb, 'online', @session_id::uuid, @brain_node::text, now(), now(), NULL)
ON CONFLICT (agent_id, worker_id) DO UPDATE
SET role = EXCLUDED.role, framework = EXCLUDED.framework, pid = EXCLUDED.pid,
    started_at = EXCLUDED.started_at, host = EXCLUDED.host, state = 'online',
    session_id = EXCLUDED.session_id, brain_node = EXCLUDED.brain_node,
    connected_at = now(), last_seen_at = now(), disconnected_at = NULL;

-- name: CountOtherOnlineWorkers :one
-- Online workers of an agent other than the given one (for the per-agent worker cap).
SELECT count(*)::bigint AS n FROM agent_workers
WHERE agent_id = @agent_id::uuid AND worker_id <> @worker_id::text AND state = 'online';

-- name: RecordHeartbeat :exec
-- Stores a heartbeat's side channels on the worker of the live session.
UPDATE agent_workers
SET last_seen_at = now(), buffer_size = sqlc.narg(buffer_size)::bigint,
    dropped_events = sqlc.narg(dropped_events)::bigint, adapter_health = @adapter_health::jsonb
WHERE agent_id = @agent_id::uuid AND worker_id = @worker_id::text AND session_id = @session_id::uuid;

-- name: RecordAgentStatus :exec
-- Stores the payload of an agent_status frame on the worker of the live session.
UPDATE agent_workers SET last_seen_at = now(), status = @status::jsonb
WHERE agent_id = @agent_id::uuid AND worker_id = @worker_id::text AND session_id = @session_id::uuid;

-- name: DisconnectWorker :exec
-- Marks a worker offline when its session (and not a newer one) closes.
UPDATE agent_workers SET state = 'offline', disconnected_at = now()
WHERE agent_id = @agent_id::uuid AND worker_id = @worker_id::text AND session_id = @session_id::uuid;

-- name: MarkStaleWorkersOffline :many
-- Workers whose brain process died without closing them: silent for longer than the cutoff.
UPDATE agent_workers SET state = 'offline', disconnected_at = now()
WHERE state = 'online' AND last_seen_at < @silent_since::timestamptz
RETURNING agent_id;

-- name: UpsertQueueDepths :exec
-- Records the queue depths one heartbeat reported.
INSERT INTO queues (project_id, engine, name, depth, reported_by, updated_at)
SELECT @project_id::uuid, @engine::text, q.name, q.depth, @reported_by::uuid, now()
FROM (SELECT unnest(@names::text[]) AS name, unnest(@depths::bigint[]) AS depth) AS q
ON CONFLICT (project_id, engine, name) DO UPDATE
SET depth = EXCLUDED.depth, reported_by = EXCLUDED.reported_by, updated_at = EXCLUDED.updated_at;
