-- name: DupParams :many
SELECT id FROM agents WHERE name = $1 OR name = $2;

-- name: PseudoMax :one
SELECT max(created_at) AS newest FROM agents;

-- name: VoidOne :one
SELECT ensure_partition(@day::date);

-- name: UnknownNullable :many
-- @nullable nope
SELECT id, name FROM agents;

-- name: NullableOnExec :exec
-- @nullable name
DELETE FROM agents WHERE name = @name;

-- name: ExecResult :execresult
DELETE FROM agents WHERE name = @name;

-- name: Embedded :many
SELECT sqlc.embed(agents), e.state FROM events e JOIN agents ON agents.id = e.agent_id;

-- name: DupColumn :many
SELECT a.id, e.id FROM agents a JOIN events e ON e.agent_id = a.id;

-- name: Unnamed :one
SELECT 1 + $1::int AS one;

-- name: PseudoParam :many
SELECT id FROM agents WHERE @flag IS NOT NULL;
