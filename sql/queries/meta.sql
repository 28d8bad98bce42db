-- name: Ping :one
-- Round trip that proves the database answers.
SELECT 1::int AS ok;

-- name: ListAppliedMigrations :many
-- Versions dbmate recorded as applied, oldest first.
SELECT version::text AS version FROM schema_migrations ORDER BY version;

-- name: TryAdvisoryLock :one
-- Session-level leader lock for a background job; true when this connection now holds it.
SELECT pg_try_advisory_lock(@lock_key::bigint) AS acquired;

-- name: AdvisoryUnlock :one
-- Releases a lock taken by TryAdvisoryLock on the same connection.
SELECT pg_advisory_unlock(@lock_key::bigint) AS released;

-- name: Notify :exec
-- Sends a notification to every brain process listening on the channel (delivered at commit).
SELECT pg_notify(@channel::text, @payload::text);
