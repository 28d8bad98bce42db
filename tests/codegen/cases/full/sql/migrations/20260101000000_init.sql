-- migrate:up
CREATE TYPE task_state AS ENUM ('pending', 'started', 'success', 'failure', 'retry-later');
COMMENT ON TYPE task_state IS 'Lifecycle state of a task.';

CREATE TABLE agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    labels text[] NOT NULL DEFAULT '{}',
    meta jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz,
    weight numeric(10, 2),
    addr inet,
    net cidr,
    token bytea,
    birthday date,
    heartbeat interval,
    slots smallint NOT NULL DEFAULT 1,
    ratio double precision,
    enabled boolean NOT NULL DEFAULT true
);

CREATE TABLE events (
    id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    agent_id uuid NOT NULL REFERENCES agents (id),
    state task_state NOT NULL,
    runtime_ms integer,
    history task_state[],
    payload jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE FUNCTION ensure_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
        'events_' || to_char(day, 'YYYYMMDD'), day, day + 1);
END
$$;

-- migrate:down
DROP FUNCTION ensure_partition(date);
DROP TABLE events;
DROP TABLE agents;
DROP TYPE task_state;
