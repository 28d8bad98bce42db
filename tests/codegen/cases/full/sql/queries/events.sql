-- name: EnsurePartition :exec
-- Create the day's partition of events if missing.
SELECT ensure_partition(@day::date);

-- name: CopyEvents :copyfrom
INSERT INTO events (id, occurred_at, agent_id, state, runtime_ms) VALUES ($1, $2, $3, $4, $5);

-- name: LatestState :one
SELECT state FROM events WHERE agent_id = @agent_id ORDER BY occurred_at DESC LIMIT 1;

-- name: StatesSince :many
SELECT DISTINCT state FROM events WHERE occurred_at >= @since::timestamptz;

-- name: EventsInStates :many
-- Events whose state is one of the given ones, with the agent's name (LEFT JOIN).
SELECT e.id, e.state, e.history, e.payload, a.name AS agent_name, e.runtime_ms + 1 AS runtime_plus
FROM events e
LEFT JOIN agents a ON a.id = e.agent_id
WHERE e.state = ANY(@states::task_state[])
  AND e.occurred_at < @before::timestamptz;

-- name: SetState :exec
UPDATE events SET state = @state, history = sqlc.narg(history) WHERE id = @id;

-- name: DeleteOld :execrows
DELETE FROM events WHERE occurred_at < @cutoff::timestamptz;
