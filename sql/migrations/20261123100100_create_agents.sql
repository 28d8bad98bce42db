-- migrate:up
CREATE TYPE agent_state AS ENUM ('unknown', 'online', 'offline');
COMMENT ON TYPE agent_state IS
    'Connection state of an agent: unknown until its first hello, then online or offline.';

CREATE TABLE agents (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id       uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             text        NOT NULL CONSTRAINT agents_name_not_blank CHECK (btrim(name) <> ''),
    token_hash       bytea       NOT NULL UNIQUE
                                 CONSTRAINT agents_token_hash_len CHECK (octet_length(token_hash) = 32),
    state            agent_state NOT NULL DEFAULT 'unknown',
    protocol_version text,
    agent_version    text,
    framework        text,
    engines          text[]      NOT NULL DEFAULT '{}',
    schedulers       text[]      NOT NULL DEFAULT '{}',
    capabilities     jsonb       NOT NULL DEFAULT '{}',
    host             jsonb       NOT NULL DEFAULT '{}',
    last_seen_at     timestamptz,
    last_connect_at  timestamptz,
    revoked_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agents_project_name_key UNIQUE (project_id, name)
);
CREATE INDEX agents_project_state_idx ON agents (project_id, state);

COMMENT ON TABLE agents IS
    'An agent identity: one minted token, used by every worker process of one deployment that runs the agent.';
COMMENT ON COLUMN agents.id IS 'Agent UUID; sent to the agent in hello_ack.';
COMMENT ON COLUMN agents.project_id IS 'The project whose events this agent may send.';
COMMENT ON COLUMN agents.name IS 'Operator-chosen name, unique within the project.';
COMMENT ON COLUMN agents.token_hash IS
    'HMAC-SHA256(key = Z4J_SECRET || "z4j-agent-token-v1", token); the plaintext token is shown once and never stored.';
COMMENT ON COLUMN agents.state IS 'online while at least one worker of the agent holds a WebSocket, else offline.';
COMMENT ON COLUMN agents.protocol_version IS 'Wire protocol version from the last hello; NULL before the first connection.';
COMMENT ON COLUMN agents.agent_version IS 'Agent package version from the last hello.';
COMMENT ON COLUMN agents.framework IS 'Framework adapter from the last hello (bare, django, flask, fastapi, ...).';
COMMENT ON COLUMN agents.engines IS 'Engine adapters from the last hello (celery, rq, ...).';
COMMENT ON COLUMN agents.schedulers IS 'Scheduler adapters from the last hello (celery-beat, rq-scheduler, ...).';
COMMENT ON COLUMN agents.capabilities IS
    'Actions the agent supports, per engine or scheduler, as sent in hello: {"rq": ["retry_task", ...]}.';
COMMENT ON COLUMN agents.host IS 'Host description from the last hello (name, platform, python version, ...).';
COMMENT ON COLUMN agents.last_seen_at IS 'When any frame from this agent was last received.';
COMMENT ON COLUMN agents.last_connect_at IS 'When a worker of this agent last completed the hello handshake.';
COMMENT ON COLUMN agents.revoked_at IS 'When the token was revoked; a revoked agent cannot connect. NULL while valid.';
COMMENT ON COLUMN agents.created_at IS 'When the token was minted.';
COMMENT ON COLUMN agents.updated_at IS 'When the agent row last changed.';

-- migrate:down
DROP TABLE agents;
DROP TYPE agent_state;
