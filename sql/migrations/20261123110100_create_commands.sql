-- migrate:up
CREATE TYPE command_status AS ENUM ('pending', 'dispatched', 'acked', 'completed', 'failed', 'timeout');
COMMENT ON TYPE command_status IS
    'Lifecycle of a command: pending (stored), dispatched (sent on a socket), acked (agent confirmed receipt), then completed, failed or timeout.';

CREATE TABLE commands (
    id              uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid           NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    agent_id        uuid           NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    action          text           NOT NULL,
    target          jsonb          NOT NULL DEFAULT '{}',
    parameters      jsonb          NOT NULL DEFAULT '{}',
    status          command_status NOT NULL DEFAULT 'pending',
    idempotency_key text,
    issued_by       uuid,
    timeout_seconds integer        NOT NULL DEFAULT 60 CHECK (timeout_seconds BETWEEN 1 AND 86400),
    issued_at       timestamptz    NOT NULL DEFAULT now(),
    dispatched_at   timestamptz,
    dispatched_session uuid,
    acked_at        timestamptz,
    completed_at    timestamptz,
    timeout_at      timestamptz    NOT NULL,
    result          jsonb,
    error           text,
    CONSTRAINT commands_idempotency_key UNIQUE (project_id, idempotency_key)
);
CREATE INDEX commands_project_issued_idx ON commands (project_id, issued_at DESC);
CREATE INDEX commands_agent_open_idx ON commands (agent_id, issued_at) WHERE status IN ('pending', 'dispatched');
CREATE INDEX commands_open_timeout_idx ON commands (timeout_at) WHERE status IN ('pending', 'dispatched', 'acked');

COMMENT ON TABLE commands IS
    'Actions sent to agents (retry, cancel, purge, schedule changes, ...): a row first, then delivered to whichever brain process holds the agent''s socket.';
COMMENT ON COLUMN commands.id IS 'Command id; also the id of the command, command_ack and command_result frames.';
COMMENT ON COLUMN commands.project_id IS 'Project of the target agent.';
COMMENT ON COLUMN commands.agent_id IS 'Agent that must execute the command.';
COMMENT ON COLUMN commands.action IS 'Action name from the protocol (retry_task, cancel_task, purge_queue, schedule.enable, ...).';
COMMENT ON COLUMN commands.target IS 'What the action applies to, e.g. {"type":"task","id":"rq:<id>","engine":"rq"}.';
COMMENT ON COLUMN commands.parameters IS 'Action parameters as sent to the agent.';
COMMENT ON COLUMN commands.status IS 'Lifecycle state; see the command_status type.';
COMMENT ON COLUMN commands.idempotency_key IS 'Client-chosen key; a second command with the same key in the project returns the first.';
COMMENT ON COLUMN commands.issued_by IS 'User who issued the command; NULL for commands issued by z4j itself.';
COMMENT ON COLUMN commands.timeout_seconds IS 'Seconds the agent has to answer; sent in the frame.';
COMMENT ON COLUMN commands.issued_at IS 'When the command was stored.';
COMMENT ON COLUMN commands.dispatched_at IS 'When the command frame was last written to an agent socket.';
COMMENT ON COLUMN commands.dispatched_session IS 'Agent session the command was written to; if that session closes before the ack, the command returns to pending.';
COMMENT ON COLUMN commands.acked_at IS 'When the agent acknowledged receipt (command_ack).';
COMMENT ON COLUMN commands.completed_at IS 'When the command reached completed, failed or timeout.';
COMMENT ON COLUMN commands.timeout_at IS 'Deadline after which the timeout job marks an unanswered command timeout.';
COMMENT ON COLUMN commands.result IS 'Result object from command_result when the agent reported success.';
COMMENT ON COLUMN commands.error IS 'Error text from command_result, or why z4j failed or timed the command out.';

-- migrate:down
DROP TABLE commands;
DROP TYPE command_status;
