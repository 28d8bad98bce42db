-- name: CreateIngestEventsStage :exec
-- Creates this connection's temporary staging table for event batches unless it already has one (see sql/stubs/ingest_stage.sql); run at the start of every ingest transaction.
CREATE TEMP TABLE IF NOT EXISTS ingest_events_stage (
    project_id  uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    id          uuid        NOT NULL,
    agent_id    uuid        NOT NULL,
    engine      text        NOT NULL,
    task_id     text,
    kind        text        NOT NULL,
    payload     jsonb       NOT NULL
) ON COMMIT DELETE ROWS;

-- name: StageEvents :copyfrom
-- Bulk-loads a batch of events into this connection's staging table (binary COPY).
INSERT INTO ingest_events_stage (project_id, occurred_at, id, agent_id, engine, task_id, kind, payload)
VALUES (@project_id, @occurred_at, @id, @agent_id, @engine, @task_id, @kind, @payload);

-- name: InsertStagedEvents :execrows
-- Moves the staged batch into events, skipping every event whose key is already stored (a resend, or the same event twice in the batch); returns the number of rows stored.
INSERT INTO events (project_id, occurred_at, id, agent_id, engine, task_id, kind, payload)
SELECT project_id, occurred_at, id, agent_id, engine, task_id, kind, payload
FROM ingest_events_stage
ON CONFLICT DO NOTHING;

-- name: StagedEventsInserted :many
-- The keys of the staged events this transaction stored (run after InsertStagedEvents stored fewer rows than were staged).
SELECT DISTINCT s.project_id, s.occurred_at, s.id
FROM ingest_events_stage AS s
JOIN events AS e ON e.project_id = s.project_id AND e.occurred_at = s.occurred_at AND e.id = s.id
WHERE e.xmin = pg_current_xact_id()::xid;

-- name: ProjectTasks :many
-- Folds the task events of a flush into the tasks projection. The caller merged them per task in Python (gateway/ingest_project.py, the rules of the SQL functions of the ingest migration): one row per task, in key order, with the newest state, the newest terminal state, the newest task.retried, the newest received/started times, the highest retry count, and a document holding each field's newest non-null value, with the time of the event it came from. Returns the tasks it could not apply because another transaction created them concurrently (call again for those).
WITH agg AS (
    SELECT u.project_id, u.engine, u.task_id, u.n_state::task_state AS n_state, u.n_at,
           u.t_state::task_state AS t_state, u.t_at, u.r_at, u.received_at, u.started_at,
           u.retry_count,
           nullif(u.doc ->> 'task_name', '') AS name, u.name_at,
           nullif(u.doc ->> 'queue', '') AS queue, u.queue_at,
           nullif(u.doc ->> 'worker', '') AS worker, u.worker_at,
           nullif(u.doc ->> 'priority', '') AS priority, u.priority_at,
           CASE WHEN jsonb_typeof(u.doc -> 'tags') = 'array' THEN u.doc -> 'tags' END AS tags, u.tags_at,
           nullif(u.doc -> 'args', 'null'::jsonb) AS args, u.args_at,
           nullif(u.doc -> 'kwargs', 'null'::jsonb) AS kwargs, u.kwargs_at,
           nullif(u.doc ->> 'parent_task_id', '') AS parent_task_id, u.parent_task_id_at,
           nullif(u.doc ->> 'root_task_id', '') AS root_task_id, u.root_task_id_at,
           u.doc -> 'result' AS result, u.result_at,
           CASE WHEN jsonb_typeof(u.doc -> 'runtime_ms') = 'number'
                     AND abs((u.doc -> 'runtime_ms')::numeric) < 1e300
                THEN (u.doc -> 'runtime_ms')::float8 END AS runtime_ms, u.runtime_ms_at,
           u.doc ->> 'exception' AS exception, u.exception_at,
           u.doc ->> 'exception_message' AS exception_message, u.exception_message_at,
           u.doc ->> 'traceback' AS traceback, u.traceback_at
    FROM (
        -- Set-returning functions side by side in one select list advance in lockstep.
        SELECT unnest(@project_ids::uuid[]) AS project_id, unnest(@engines::text[]) AS engine,
               unnest(@task_ids::text[]) AS task_id, unnest(@n_states::text[]) AS n_state,
               unnest(@n_ats::timestamptz[]) AS n_at, unnest(@t_states::text[]) AS t_state,
               unnest(@t_ats::timestamptz[]) AS t_at, unnest(@r_ats::timestamptz[]) AS r_at,
               unnest(@received_ats::timestamptz[]) AS received_at,
               unnest(@started_ats::timestamptz[]) AS started_at,
               unnest(@retry_counts::int4[]) AS retry_count, unnest(@docs::jsonb[]) AS doc,
               unnest(@name_ats::timestamptz[]) AS name_at,
               unnest(@queue_ats::timestamptz[]) AS queue_at,
               unnest(@worker_ats::timestamptz[]) AS worker_at,
               unnest(@priority_ats::timestamptz[]) AS priority_at,
               unnest(@tags_ats::timestamptz[]) AS tags_at,
               unnest(@args_ats::timestamptz[]) AS args_at,
               unnest(@kwargs_ats::timestamptz[]) AS kwargs_at,
               unnest(@parent_task_id_ats::timestamptz[]) AS parent_task_id_at,
               unnest(@root_task_id_ats::timestamptz[]) AS root_task_id_at,
               unnest(@result_ats::timestamptz[]) AS result_at,
               unnest(@runtime_ms_ats::timestamptz[]) AS runtime_ms_at,
               unnest(@exception_ats::timestamptz[]) AS exception_at,
               unnest(@exception_message_ats::timestamptz[]) AS exception_message_at,
               unnest(@traceback_ats::timestamptz[]) AS traceback_at
    ) AS u
),
-- Lock the tasks that exist, in key order (two flushers never wait on each other in a cycle);
-- FOR UPDATE also returns each row's newest committed version.
cur AS (
    SELECT t.*
    FROM tasks AS t
    JOIN agg AS a ON a.project_id = t.project_id AND a.engine = t.engine AND a.task_id = t.task_id
    ORDER BY t.project_id, t.engine, t.task_id
    FOR UPDATE OF t
),
-- The row as one more event: a terminal row at its finished_at, otherwise at last_event_at.
prev AS (
    SELECT c.*,
           z4j_task_state_is_terminal(c.state) AS terminal,
           CASE WHEN z4j_task_state_is_terminal(c.state) THEN coalesce(c.finished_at, c.last_event_at)
                ELSE c.last_event_at END AS state_at
    FROM cur AS c
),
folded AS (
    SELECT a.*, p.task_id IS NOT NULL AS existed, p.last_event_at AS prev_at,
           CASE WHEN p.task_id IS NULL
                     OR (a.n_at, z4j_task_state_rank(a.n_state)) >= (p.state_at, z4j_task_state_rank(p.state))
                THEN a.n_state ELSE p.state END AS last_state,
           CASE WHEN NOT coalesce(p.terminal, false) THEN a.t_state
                WHEN a.t_state IS NULL THEN p.state
                WHEN (a.t_at, z4j_task_state_rank(a.t_state)) >= (p.state_at, z4j_task_state_rank(p.state))
                THEN a.t_state ELSE p.state END AS term_state,
           greatest(a.t_at, CASE WHEN p.terminal THEN p.state_at END) AS term_at,
           greatest(a.r_at, CASE WHEN p.state = 'retry' THEN p.last_event_at END) AS retry_at,
           p.name AS p_name, p.queue AS p_queue, p.worker AS p_worker, p.priority AS p_priority,
           CASE WHEN p.tags <> '{}' THEN to_jsonb(p.tags) END AS p_tags, p.args AS p_args, p.kwargs AS p_kwargs,
           p.parent_task_id AS p_parent_task_id, p.root_task_id AS p_root_task_id,
           p.result AS p_result, p.runtime_ms AS p_runtime_ms, p.exception AS p_exception,
           p.exception_message AS p_exception_message, p.traceback AS p_traceback,
           p.retry_count AS p_retry_count, p.received_at AS p_received_at, p.started_at AS p_started_at
    FROM agg AS a
    LEFT JOIN prev AS p ON p.project_id = a.project_id AND p.engine = a.engine AND p.task_id = a.task_id
),
-- A field takes the batch's value when the batch event carrying it is not older than the row's
-- newest event, else the row keeps its own; neither side's NULL overwrites the other's value.
merged AS (
    SELECT f.project_id, f.engine, f.task_id, f.existed, st.state,
           CASE WHEN z4j_task_state_is_terminal(st.state) THEN f.term_at END AS finished_at,
           greatest(f.prev_at, f.n_at) AS last_event_at,
           CASE WHEN (f.name_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.name, f.p_name) ELSE coalesce(f.p_name, f.name) END AS name,
           CASE WHEN (f.queue_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.queue, f.p_queue) ELSE coalesce(f.p_queue, f.queue) END AS queue,
           CASE WHEN (f.worker_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.worker, f.p_worker) ELSE coalesce(f.p_worker, f.worker) END AS worker,
           CASE WHEN (f.priority_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.priority, f.p_priority) ELSE coalesce(f.p_priority, f.priority) END AS priority,
           CASE WHEN (f.tags_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.tags, f.p_tags) ELSE coalesce(f.p_tags, f.tags) END AS tags,
           CASE WHEN (f.args_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.args, f.p_args) ELSE coalesce(f.p_args, f.args) END AS args,
           CASE WHEN (f.kwargs_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.kwargs, f.p_kwargs) ELSE coalesce(f.p_kwargs, f.kwargs) END AS kwargs,
           CASE WHEN (f.parent_task_id_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.parent_task_id, f.p_parent_task_id) ELSE coalesce(f.p_parent_task_id, f.parent_task_id) END AS parent_task_id,
           CASE WHEN (f.root_task_id_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.root_task_id, f.p_root_task_id) ELSE coalesce(f.p_root_task_id, f.root_task_id) END AS root_task_id,
           CASE WHEN (f.result_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.result, f.p_result) ELSE coalesce(f.p_result, f.result) END AS result,
           CASE WHEN (f.runtime_ms_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.runtime_ms, f.p_runtime_ms) ELSE coalesce(f.p_runtime_ms, f.runtime_ms) END AS runtime_ms,
           CASE WHEN (f.exception_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.exception, f.p_exception) ELSE coalesce(f.p_exception, f.exception) END AS exception,
           CASE WHEN (f.exception_message_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.exception_message, f.p_exception_message) ELSE coalesce(f.p_exception_message, f.exception_message) END AS exception_message,
           CASE WHEN (f.traceback_at >= f.prev_at) IS NOT FALSE THEN coalesce(f.traceback, f.p_traceback) ELSE coalesce(f.p_traceback, f.traceback) END AS traceback,
           greatest(f.p_retry_count, f.retry_count, 0) AS retry_count,
           greatest(f.p_received_at, f.received_at) AS received_at,
           greatest(f.p_started_at, f.started_at) AS started_at
    FROM folded AS f
    CROSS JOIN LATERAL (SELECT z4j_task_state_merge(f.last_state, f.term_state, f.term_at, f.retry_at) AS state) AS st
),
created AS (
    INSERT INTO tasks (
        project_id, engine, task_id, name, queue, state, priority, args, kwargs, result, exception,
        exception_message, traceback, retry_count, worker, parent_task_id, root_task_id, tags,
        received_at, started_at, finished_at, runtime_ms, last_event_at
    )
    SELECT m.project_id, m.engine, m.task_id, m.name, m.queue, m.state, m.priority, m.args, m.kwargs,
           m.result, m.exception, m.exception_message, m.traceback, m.retry_count, m.worker,
           m.parent_task_id, m.root_task_id, coalesce(ARRAY(SELECT jsonb_array_elements_text(m.tags)), '{}'), m.received_at, m.started_at,
           m.finished_at, m.runtime_ms, m.last_event_at
    FROM merged AS m
    WHERE NOT m.existed
    ORDER BY m.project_id, m.engine, m.task_id
    ON CONFLICT DO NOTHING
    RETURNING project_id, engine, task_id
),
updated AS (
    UPDATE tasks AS t
    SET name = m.name, queue = m.queue, state = m.state, priority = m.priority, args = m.args,
        kwargs = m.kwargs, result = m.result, exception = m.exception,
        exception_message = m.exception_message, traceback = m.traceback,
        retry_count = m.retry_count, worker = m.worker, parent_task_id = m.parent_task_id,
        root_task_id = m.root_task_id, tags = coalesce(ARRAY(SELECT jsonb_array_elements_text(m.tags)), '{}'),
        received_at = m.received_at, started_at = m.started_at, finished_at = m.finished_at,
        runtime_ms = m.runtime_ms, last_event_at = m.last_event_at, updated_at = now()
    FROM merged AS m
    WHERE m.existed AND t.project_id = m.project_id AND t.engine = m.engine AND t.task_id = m.task_id
)
SELECT m.project_id::uuid AS project_id, m.engine::text AS engine, m.task_id::text AS task_id
FROM merged AS m
WHERE NOT m.existed
  AND NOT EXISTS (
      SELECT 1 FROM created AS c
      WHERE c.project_id = m.project_id AND c.engine = m.engine AND c.task_id = m.task_id
  );
