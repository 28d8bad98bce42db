-- migrate:up
CREATE TYPE task_state AS ENUM (
    'pending', 'received', 'started', 'success', 'failure', 'retry', 'revoked', 'rejected', 'unknown'
);
COMMENT ON TYPE task_state IS
    'Lifecycle state of a task. success, failure, revoked and rejected are terminal.';

CREATE TABLE tasks (
    project_id     uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    engine         text        NOT NULL,
    task_id        text        NOT NULL,
    name           text,
    queue          text,
    state          task_state  NOT NULL DEFAULT 'unknown',
    priority       text,
    args           jsonb,
    kwargs         jsonb,
    result         jsonb,
    exception      text,
    exception_message text,
    traceback      text,
    retry_count    integer     NOT NULL DEFAULT 0,
    eta            timestamptz,
    worker         text,
    parent_task_id text,
    root_task_id   text,
    tags           text[]      NOT NULL DEFAULT '{}',
    received_at    timestamptz,
    started_at     timestamptz,
    finished_at    timestamptz,
    runtime_ms     double precision,
    last_event_at  timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, engine, task_id)
);

COMMENT ON TABLE tasks IS
    'Current state of every task seen in an event: the projection of the events table, upserted at ingest.';
COMMENT ON COLUMN tasks.project_id IS 'Owning project.';
COMMENT ON COLUMN tasks.engine IS 'Task queue engine that ran the task (celery, rq, dramatiq, huey, arq, taskiq).';
COMMENT ON COLUMN tasks.task_id IS 'The engine''s own task or job id.';
COMMENT ON COLUMN tasks.name IS 'Task name (the function''s dotted path for most engines).';
COMMENT ON COLUMN tasks.queue IS 'Queue the task was sent to.';
COMMENT ON COLUMN tasks.state IS
    'Current state; it only moves forward: a terminal state beats a non-terminal one and an older event never overwrites a newer one.';
COMMENT ON COLUMN tasks.priority IS 'Priority label from the event, when the engine has one.';
COMMENT ON COLUMN tasks.args IS 'Positional arguments as captured (after the agent''s redaction).';
COMMENT ON COLUMN tasks.kwargs IS 'Keyword arguments as captured (after the agent''s redaction).';
COMMENT ON COLUMN tasks.result IS 'Return value of a successful run, when the agent captures it.';
COMMENT ON COLUMN tasks.exception IS 'Exception class name of the last failure.';
COMMENT ON COLUMN tasks.exception_message IS 'Exception message of the last failure.';
COMMENT ON COLUMN tasks.traceback IS 'Traceback text of the last failure.';
COMMENT ON COLUMN tasks.retry_count IS 'Number of retries reported for the task.';
COMMENT ON COLUMN tasks.eta IS 'When the task is scheduled to run, for delayed tasks.';
COMMENT ON COLUMN tasks.worker IS 'Name of the worker that last reported the task.';
COMMENT ON COLUMN tasks.parent_task_id IS 'Task id of the task that sent this one, when known.';
COMMENT ON COLUMN tasks.root_task_id IS 'Task id of the first task of this workflow, when known.';
COMMENT ON COLUMN tasks.tags IS 'Free-form labels attached by the application.';
COMMENT ON COLUMN tasks.received_at IS 'When a worker received the task.';
COMMENT ON COLUMN tasks.started_at IS 'When the last run started.';
COMMENT ON COLUMN tasks.finished_at IS 'When the task reached a terminal state.';
COMMENT ON COLUMN tasks.runtime_ms IS 'Runtime of the last run in milliseconds.';
COMMENT ON COLUMN tasks.last_event_at IS 'occurred_at of the newest event applied to this row; guards against older events.';
COMMENT ON COLUMN tasks.created_at IS 'When the brain first stored the task.';
COMMENT ON COLUMN tasks.updated_at IS 'When the brain last changed the row.';

-- migrate:down
DROP TABLE tasks;
DROP TYPE task_state;
