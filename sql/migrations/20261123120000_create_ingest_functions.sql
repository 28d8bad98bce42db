-- migrate:up
-- Helpers of the ingest projection (sql/queries/ingest.sql): how an event kind maps to a task
-- state, how states order at equal timestamps, and the merge of a task's state with a batch of
-- new events. Plain immutable SQL functions, inlined by the planner.

CREATE FUNCTION z4j_task_state_of(kind text)
RETURNS task_state
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE kind
        WHEN 'task.sent'      THEN 'pending'::task_state
        WHEN 'task.received'  THEN 'received'::task_state
        WHEN 'task.started'   THEN 'started'::task_state
        WHEN 'task.succeeded' THEN 'success'::task_state
        WHEN 'task.failed'    THEN 'failure'::task_state
        WHEN 'task.retried'   THEN 'retry'::task_state
        WHEN 'task.revoked'   THEN 'revoked'::task_state
        WHEN 'task.rejected'  THEN 'rejected'::task_state
    END
$$;
COMMENT ON FUNCTION z4j_task_state_of(text) IS
    'Task state an event kind moves a task to (task.succeeded -> success, ...); NULL for kinds that do not touch tasks.';

CREATE FUNCTION z4j_task_state_rank(state task_state)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE state
        WHEN 'unknown'  THEN 0
        WHEN 'pending'  THEN 1
        WHEN 'received' THEN 2
        WHEN 'started'  THEN 3
        WHEN 'retry'    THEN 4
        WHEN 'failure'  THEN 5
        WHEN 'success'  THEN 6
        WHEN 'rejected' THEN 7
        WHEN 'revoked'  THEN 8
    END
$$;
COMMENT ON FUNCTION z4j_task_state_rank(task_state) IS
    'Order of task states for events with the same occurred_at: the higher rank counts as the later event.';

CREATE FUNCTION z4j_task_state_is_terminal(state task_state)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT state IN ('success', 'failure', 'revoked', 'rejected')
$$;
COMMENT ON FUNCTION z4j_task_state_is_terminal(task_state) IS
    'True for success, failure, revoked and rejected, the states a task does not leave (except failure, reopened by a newer task.retried).';

-- The state after adding events to a task. Arguments: the newest event overall (last_*), the
-- newest terminal event (term_*, NULL when none) and the newest task.retried (retry_at); for an
-- existing row the caller folds the row in as one more event. The result is the newest
-- terminal state, unless that is a failure followed (same instant included) by a retried,
-- which reopens the task: then the newest event decides (retry when that is the failure
-- itself at the same instant). Without a terminal event, the newest event decides.
CREATE FUNCTION z4j_task_state_merge(
    last_state task_state, term_state task_state, term_at timestamptz, retry_at timestamptz
)
RETURNS task_state
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN term_state IS NULL THEN last_state
        WHEN term_state = 'failure' AND retry_at >= term_at THEN
            CASE WHEN z4j_task_state_is_terminal(last_state) THEN 'retry'::task_state ELSE last_state END
        ELSE term_state
    END
$$;
COMMENT ON FUNCTION z4j_task_state_merge(task_state, task_state, timestamptz, timestamptz) IS
    'Task state from the newest event, the newest terminal event and the newest task.retried: terminal beats non-terminal, the newer wins within equal terminality, a retried at or after a failure reopens it.';

-- migrate:down
DROP FUNCTION z4j_task_state_merge(task_state, task_state, timestamptz, timestamptz);
DROP FUNCTION z4j_task_state_is_terminal(task_state);
DROP FUNCTION z4j_task_state_rank(task_state);
DROP FUNCTION z4j_task_state_of(text);
