-- name: GetAgentByName :one
-- Fetch one agent by its unique name.
SELECT * FROM agents WHERE name = @name;

-- name: ListAgents :many
-- One page of agents, by name.
-- The offset comes first in the SQL text below but sqlc numbers it $1.
SELECT id, name, labels
FROM agents
ORDER BY name
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(page_offset);

-- name: InsertAgent :one
INSERT INTO agents (name, labels, meta, weight)
VALUES (@name, @labels, sqlc.narg(meta), sqlc.narg(weight))
RETURNING id, created_at;

-- name: CountAgents :one
SELECT count(*) FROM agents;

-- name: AgentNames :many
SELECT name FROM agents WHERE id = ANY(@agent_ids::uuid[]) ORDER BY name;

-- name: TouchAgents :execrows
-- Mark agents as seen; returns how many rows changed.
UPDATE agents SET last_seen = @seen_at::timestamptz WHERE id = ANY(@agent_ids::uuid[]);

-- name: AgentStats :one
-- @nullable newest
SELECT
    count(*) AS agents,
    max(created_at)::timestamptz AS newest,
    sum(slots) AS slots,
    avg(ratio)::float8 AS mean_ratio
FROM agents
WHERE created_at >= sqlc.arg('from')::timestamptz;

-- name: NetworkInfo :many
SELECT name, addr, net, token, birthday, heartbeat, weight, enabled
FROM agents
WHERE (sqlc.narg(only_enabled)::boolean IS NULL OR enabled = sqlc.narg(only_enabled));
