-- name: InsertCommand :one
-- Stores a new command; returns nothing when the idempotency key was already used.
INSERT INTO commands (project_id, agent_id, action, target, parameters, idempotency_key, issued_by,
                      timeout_seconds, timeout_at)
VALUES (@project_id::uuid, @agent_id::uuid, @action::text, @target::jsonb, @parameters::jsonb,
        sqlc.narg(idempotency_key)::text, sqlc.narg(issued_by)::uuid, @timeout_seconds::integer,
        now() + make_interval(secs => @timeout_seconds::integer))
ON CONFLICT (project_id, idempotency_key) DO NOTHING
RETURNING *;

-- name: GetCommandByIdempotencyKey :one
-- The command stored earlier under an idempotency key.
SELECT * FROM commands WHERE project_id = @project_id::uuid AND idempotency_key = @idempotency_key::text;

-- name: GetCommand :one
-- One command by id.
SELECT * FROM commands WHERE id = @id::uuid;

-- name: ClaimPendingCommands :many
-- Atomically takes an agent's pending commands for delivery on one session, oldest first.
UPDATE commands c
SET status = 'dispatched', dispatched_at = now(), dispatched_session = @session_id::uuid
FROM (
    SELECT id FROM commands
    WHERE agent_id = @agent_id::uuid AND status = 'pending'
    ORDER BY issued_at
    LIMIT @max_commands::integer
    FOR UPDATE SKIP LOCKED
) pending
WHERE c.id = pending.id
RETURNING c.id, c.action, c.target, c.parameters, c.timeout_seconds, c.issued_by, c.issued_at;

-- name: ReleaseUnackedCommands :execrows
-- Returns the commands a closed session had received but not acked to pending.
UPDATE commands SET status = 'pending', dispatched_session = NULL
WHERE dispatched_session = @session_id::uuid AND status = 'dispatched';

-- name: MarkCommandAcked :exec
-- Records the agent's command_ack.
UPDATE commands SET status = 'acked', acked_at = now()
WHERE id = @id::uuid AND agent_id = @agent_id::uuid AND status IN ('pending', 'dispatched');

-- name: CompleteCommand :one
-- Records a command_result; returns the id unless the command had already finished.
UPDATE commands
SET status = @status::command_status, result = sqlc.narg(result)::jsonb, error = sqlc.narg(error)::text,
    completed_at = now(), acked_at = coalesce(acked_at, now())
WHERE id = @id::uuid AND agent_id = @agent_id::uuid AND status IN ('pending', 'dispatched', 'acked')
RETURNING id;

-- name: TimeoutCommands :many
-- Marks unanswered commands past their deadline as timed out.
UPDATE commands
SET status = 'timeout', completed_at = now(),
    error = format('no result from the agent within %s s', timeout_seconds)
WHERE status IN ('pending', 'dispatched', 'acked') AND timeout_at < now()
RETURNING id;

-- name: AgentsWithPendingCommands :many
-- Agents (among the given ones) that have commands waiting for delivery.
SELECT DISTINCT agent_id FROM commands
WHERE status = 'pending' AND agent_id = ANY(@agent_ids::uuid[]);
