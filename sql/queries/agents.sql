-- name: CreateAgent :one
-- Stores a newly minted agent token (only its keyed hash).
INSERT INTO agents (project_id, name, token_hash)
VALUES (@project_id::uuid, @name::text, @token_hash::bytea)
RETURNING id, project_id, name, created_at;

-- name: GetAgentByTokenHash :one
-- The agent a bearer token belongs to, with its project's state, for the WebSocket handshake.
SELECT a.id, a.project_id, a.name, a.revoked_at, p.archived_at AS project_archived_at
FROM agents a
JOIN projects p ON p.id = a.project_id
WHERE a.token_hash = @token_hash::bytea;

-- name: GetAgentByName :one
-- One agent of a project by name.
SELECT a.id, a.project_id, a.name, a.state, a.revoked_at
FROM agents a
JOIN projects p ON p.id = a.project_id
WHERE p.slug = @project_slug::text AND a.name = @name::text;

-- name: RevokeAgent :one
-- Revokes a token; returns the agent when it was still valid.
UPDATE agents SET revoked_at = now(), state = 'offline', updated_at = now()
WHERE id = @id::uuid AND revoked_at IS NULL
RETURNING id, project_id;

-- name: MarkAgentConnected :exec
-- Records what a worker's hello advertised and marks the agent online.
UPDATE agents
SET state = 'online',
    protocol_version = @protocol_version::text,
    agent_version = sqlc.narg(agent_version)::text,
    framework = sqlc.narg(framework)::text,
    engines = @engines::text[],
    schedulers = @schedulers::text[],
    capabilities = @capabilities::jsonb,
    host = @host::jsonb,
    last_connect_at = now(),
    last_seen_at = now(),
    updated_at = now()
WHERE id = @id::uuid;

-- name: TouchAgent :exec
-- Moves an agent's last_seen_at forward (on heartbeats).
UPDATE agents SET last_seen_at = now() WHERE id = @id::uuid;

-- name: MarkAgentOfflineIfIdle :exec
-- Marks an agent offline unless one of its workers is still online.
UPDATE agents SET state = 'offline', updated_at = now()
WHERE id = @id::uuid
  AND state = 'online'
  AND NOT EXISTS (SELECT 1 FROM agent_workers w WHERE w.agent_id = @id::uuid AND w.state = 'online');
