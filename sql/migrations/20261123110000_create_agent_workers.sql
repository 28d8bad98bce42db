-- migrate:up
CREATE TYPE worker_state AS ENUM ('online', 'offline');
COMMENT ON TYPE worker_state IS 'Whether an agent worker currently holds a WebSocket to some brain process.';

CREATE TABLE agent_workers (
    agent_id          uuid         NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    worker_id         text         NOT NULL,
    project_id        uuid         NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role              text,
    framework         text,
    pid               integer,
    started_at        timestamptz,
    host              jsonb        NOT NULL DEFAULT '{}',
    state             worker_state NOT NULL DEFAULT 'online',
    session_id        uuid         NOT NULL,
    brain_node        text         NOT NULL,
    connected_at      timestamptz  NOT NULL DEFAULT now(),
    last_seen_at      timestamptz  NOT NULL DEFAULT now(),
    disconnected_at   timestamptz,
    buffer_size       bigint,
    dropped_events    bigint,
    adapter_health    jsonb        NOT NULL DEFAULT '{}',
    status            jsonb        NOT NULL DEFAULT '{}',
    PRIMARY KEY (agent_id, worker_id)
);
CREATE INDEX agent_workers_project_state_idx ON agent_workers (project_id, state);
CREATE INDEX agent_workers_session_idx ON agent_workers (session_id);

COMMENT ON TABLE agent_workers IS
    'One row per process that runs an agent (worker_id from hello); the current or last WebSocket session of that process.';
COMMENT ON COLUMN agent_workers.agent_id IS 'The agent whose token the process used.';
COMMENT ON COLUMN agent_workers.worker_id IS 'Worker identity from hello (default <framework>-<pid>-<start ms>); the agent id when hello had none.';
COMMENT ON COLUMN agent_workers.project_id IS 'Project of the agent (copied for per-project listing).';
COMMENT ON COLUMN agent_workers.role IS 'worker_role from hello: web, task, scheduler, beat or other.';
COMMENT ON COLUMN agent_workers.framework IS 'Framework adapter of the process (bare, django, ...).';
COMMENT ON COLUMN agent_workers.pid IS 'Operating-system process id from hello.';
COMMENT ON COLUMN agent_workers.started_at IS 'When the process started, from hello.';
COMMENT ON COLUMN agent_workers.host IS 'Host description from hello.';
COMMENT ON COLUMN agent_workers.state IS 'online while its session is open on some brain process.';
COMMENT ON COLUMN agent_workers.session_id IS 'Session id of the current or last connection (sent in hello_ack).';
COMMENT ON COLUMN agent_workers.brain_node IS 'Brain process holding (or that last held) the connection: host:pid:start.';
COMMENT ON COLUMN agent_workers.connected_at IS 'When the current or last session completed its handshake.';
COMMENT ON COLUMN agent_workers.last_seen_at IS 'When the last frame of this worker arrived.';
COMMENT ON COLUMN agent_workers.disconnected_at IS 'When the last session closed; NULL while online.';
COMMENT ON COLUMN agent_workers.buffer_size IS 'Events waiting in the agent''s local buffer, from the last heartbeat.';
COMMENT ON COLUMN agent_workers.dropped_events IS 'Events the agent dropped from its full buffer, from the last heartbeat.';
COMMENT ON COLUMN agent_workers.adapter_health IS 'adapter_health map of the last heartbeat (engine.key -> string; queue_depths and worker_details are JSON strings).';
COMMENT ON COLUMN agent_workers.status IS 'Payload of the last agent_status frame (failure streaks, buffer depth, versions).';

CREATE TABLE queues (
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    engine      text        NOT NULL,
    name        text        NOT NULL,
    depth       bigint      NOT NULL,
    reported_by uuid,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, engine, name)
);
COMMENT ON TABLE queues IS 'Latest known depth of each queue, from the <engine>.queue_depths side channel of agent heartbeats.';
COMMENT ON COLUMN queues.project_id IS 'Owning project.';
COMMENT ON COLUMN queues.engine IS 'Engine of the queue (celery, rq, ...).';
COMMENT ON COLUMN queues.name IS 'Queue name.';
COMMENT ON COLUMN queues.depth IS 'Messages waiting in the queue at updated_at.';
COMMENT ON COLUMN queues.reported_by IS 'Agent whose heartbeat reported the depth.';
COMMENT ON COLUMN queues.updated_at IS 'When the depth was reported.';

-- migrate:down
DROP TABLE queues;
DROP TABLE agent_workers;
DROP TYPE worker_state;
