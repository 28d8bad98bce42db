\restrict dbmate

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: agent_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.agent_state AS ENUM (
    'unknown',
    'online',
    'offline'
);


--
-- Name: TYPE agent_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.agent_state IS 'Connection state of an agent: unknown until its first hello, then online or offline.';


--
-- Name: command_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.command_status AS ENUM (
    'pending',
    'dispatched',
    'acked',
    'completed',
    'failed',
    'timeout'
);


--
-- Name: TYPE command_status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.command_status IS 'Lifecycle of a command: pending (stored), dispatched (sent on a socket), acked (agent confirmed receipt), then completed, failed or timeout.';


--
-- Name: task_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.task_state AS ENUM (
    'pending',
    'received',
    'started',
    'success',
    'failure',
    'retry',
    'revoked',
    'rejected',
    'unknown'
);


--
-- Name: TYPE task_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.task_state IS 'Lifecycle state of a task. success, failure, revoked and rejected are terminal.';


--
-- Name: worker_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.worker_state AS ENUM (
    'online',
    'offline'
);


--
-- Name: TYPE worker_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TYPE public.worker_state IS 'Whether an agent worker currently holds a WebSocket to some brain process.';


--
-- Name: z4j_drop_events_partitions_before(date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_drop_events_partitions_before(cutoff date) RETURNS SETOF text
    LANGUAGE plpgsql
    AS $$
DECLARE
    p record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('z4j.events_partitions'));
    -- DROP locks the parent exclusively: give up rather than queue ingest behind a long reader.
    PERFORM set_config('lock_timeout', '5s', true);
    FOR p IN
        SELECT partition_name FROM z4j_events_partitions()
        WHERE range_end <= (cutoff::timestamp AT TIME ZONE 'UTC')
        ORDER BY range_start
    LOOP
        EXECUTE format('DROP TABLE %I', p.partition_name);
        RETURN NEXT p.partition_name;
    END LOOP;
END
$$;


--
-- Name: FUNCTION z4j_drop_events_partitions_before(cutoff date); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_drop_events_partitions_before(cutoff date) IS 'Drops the events partitions whose range ends on or before the given UTC day and returns their names; the only code path that deletes events.';


--
-- Name: z4j_ensure_events_partition(date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_ensure_events_partition(day date) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
DECLARE
    lo   timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi   timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    part text        := 'events_p' || to_char(day, 'YYYYMMDD');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('z4j.events_partitions'));
    IF EXISTS (SELECT 1 FROM z4j_events_partitions() p WHERE p.range_start < hi AND p.range_end > lo) THEN
        RETURN false;
    END IF;
    PERFORM set_config('lock_timeout', '5s', true);
    EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    -- Rows that arrived before the partition existed sit in events_default; attaching would
    -- fail while they are there, so move them first (same transaction, nothing is lost).
    EXECUTE format(
        'WITH moved AS (DELETE FROM events_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved', lo, hi, part);
    EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    EXECUTE format('COMMENT ON TABLE %I IS %L', part,
                   format('Events that occurred on %s (UTC); a daily partition of events.', day));
    RETURN true;
END
$$;


--
-- Name: FUNCTION z4j_ensure_events_partition(day date); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_ensure_events_partition(day date) IS 'Creates the events partition for one UTC day if no partition covers it yet; returns true when it created one.';


--
-- Name: z4j_events_partitions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_events_partitions() RETURNS TABLE(partition_name text, range_start timestamp with time zone, range_end timestamp with time zone)
    LANGUAGE sql STABLE
    AS $_$
    SELECT c.relname::text,
           substring(b.bound FROM $re$FROM \('([^']+)'\)$re$)::timestamptz,
           substring(b.bound FROM $re$TO \('([^']+)'\)$re$)::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
    WHERE i.inhparent = 'events'::regclass
      AND b.bound <> 'DEFAULT'
    ORDER BY 2
$_$;


--
-- Name: FUNCTION z4j_events_partitions(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_events_partitions() IS 'Lists the daily partitions of events with the range each covers, taken from the partition bounds in the catalog.';


--
-- Name: z4j_task_state_is_terminal(public.task_state); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_task_state_is_terminal(state public.task_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT state IN ('success', 'failure', 'revoked', 'rejected')
$$;


--
-- Name: FUNCTION z4j_task_state_is_terminal(state public.task_state); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_task_state_is_terminal(state public.task_state) IS 'True for success, failure, revoked and rejected, the states a task does not leave (except failure, reopened by a newer task.retried).';


--
-- Name: z4j_task_state_merge(public.task_state, public.task_state, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_task_state_merge(last_state public.task_state, term_state public.task_state, term_at timestamp with time zone, retry_at timestamp with time zone) RETURNS public.task_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN term_state IS NULL THEN last_state
        WHEN term_state = 'failure' AND retry_at >= term_at THEN
            CASE WHEN z4j_task_state_is_terminal(last_state) THEN 'retry'::task_state ELSE last_state END
        ELSE term_state
    END
$$;


--
-- Name: FUNCTION z4j_task_state_merge(last_state public.task_state, term_state public.task_state, term_at timestamp with time zone, retry_at timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_task_state_merge(last_state public.task_state, term_state public.task_state, term_at timestamp with time zone, retry_at timestamp with time zone) IS 'Task state from the newest event, the newest terminal event and the newest task.retried: terminal beats non-terminal, the newer wins within equal terminality, a retried at or after a failure reopens it.';


--
-- Name: z4j_task_state_of(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_task_state_of(kind text) RETURNS public.task_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
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


--
-- Name: FUNCTION z4j_task_state_of(kind text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_task_state_of(kind text) IS 'Task state an event kind moves a task to (task.succeeded -> success, ...); NULL for kinds that do not touch tasks.';


--
-- Name: z4j_task_state_rank(public.task_state); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.z4j_task_state_rank(state public.task_state) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
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


--
-- Name: FUNCTION z4j_task_state_rank(state public.task_state); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.z4j_task_state_rank(state public.task_state) IS 'Order of task states for events with the same occurred_at: the higher rank counts as the later event.';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: agent_workers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_workers (
    agent_id uuid NOT NULL,
    worker_id text NOT NULL,
    project_id uuid NOT NULL,
    role text,
    framework text,
    pid integer,
    started_at timestamp with time zone,
    host jsonb DEFAULT '{}'::jsonb NOT NULL,
    state public.worker_state DEFAULT 'online'::public.worker_state NOT NULL,
    session_id uuid NOT NULL,
    brain_node text NOT NULL,
    connected_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    disconnected_at timestamp with time zone,
    buffer_size bigint,
    dropped_events bigint,
    adapter_health jsonb DEFAULT '{}'::jsonb NOT NULL,
    status jsonb DEFAULT '{}'::jsonb NOT NULL
);


--
-- Name: TABLE agent_workers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.agent_workers IS 'One row per process that runs an agent (worker_id from hello); the current or last WebSocket session of that process.';


--
-- Name: COLUMN agent_workers.agent_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.agent_id IS 'The agent whose token the process used.';


--
-- Name: COLUMN agent_workers.worker_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.worker_id IS 'Worker identity from hello (default <framework>-<pid>-<start ms>); the agent id when hello had none.';


--
-- Name: COLUMN agent_workers.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.project_id IS 'Project of the agent (copied for per-project listing).';


--
-- Name: COLUMN agent_workers.role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.role IS 'worker_role from hello: web, task, scheduler, beat or other.';


--
-- Name: COLUMN agent_workers.framework; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.framework IS 'Framework adapter of the process (bare, django, ...).';


--
-- Name: COLUMN agent_workers.pid; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.pid IS 'Operating-system process id from hello.';


--
-- Name: COLUMN agent_workers.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.started_at IS 'When the process started, from hello.';


--
-- Name: COLUMN agent_workers.host; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.host IS 'Host description from hello.';


--
-- Name: COLUMN agent_workers.state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.state IS 'online while its session is open on some brain process.';


--
-- Name: COLUMN agent_workers.session_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.session_id IS 'Session id of the current or last connection (sent in hello_ack).';


--
-- Name: COLUMN agent_workers.brain_node; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.brain_node IS 'Brain process holding (or that last held) the connection: host:pid:start.';


--
-- Name: COLUMN agent_workers.connected_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.connected_at IS 'When the current or last session completed its handshake.';


--
-- Name: COLUMN agent_workers.last_seen_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.last_seen_at IS 'When the last frame of this worker arrived.';


--
-- Name: COLUMN agent_workers.disconnected_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.disconnected_at IS 'When the last session closed; NULL while online.';


--
-- Name: COLUMN agent_workers.buffer_size; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.buffer_size IS 'Events waiting in the agent''s local buffer, from the last heartbeat.';


--
-- Name: COLUMN agent_workers.dropped_events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.dropped_events IS 'Events the agent dropped from its full buffer, from the last heartbeat.';


--
-- Name: COLUMN agent_workers.adapter_health; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.adapter_health IS 'adapter_health map of the last heartbeat (engine.key -> string; queue_depths and worker_details are JSON strings).';


--
-- Name: COLUMN agent_workers.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agent_workers.status IS 'Payload of the last agent_status frame (failure streaks, buffer depth, versions).';


--
-- Name: agents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agents (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    name text NOT NULL,
    token_hash bytea NOT NULL,
    state public.agent_state DEFAULT 'unknown'::public.agent_state NOT NULL,
    protocol_version text,
    agent_version text,
    framework text,
    engines text[] DEFAULT '{}'::text[] NOT NULL,
    schedulers text[] DEFAULT '{}'::text[] NOT NULL,
    capabilities jsonb DEFAULT '{}'::jsonb NOT NULL,
    host jsonb DEFAULT '{}'::jsonb NOT NULL,
    last_seen_at timestamp with time zone,
    last_connect_at timestamp with time zone,
    revoked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT agents_name_not_blank CHECK ((btrim(name) <> ''::text)),
    CONSTRAINT agents_token_hash_len CHECK ((octet_length(token_hash) = 32))
);


--
-- Name: TABLE agents; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.agents IS 'An agent identity: one minted token, used by every worker process of one deployment that runs the agent.';


--
-- Name: COLUMN agents.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.id IS 'Agent UUID; sent to the agent in hello_ack.';


--
-- Name: COLUMN agents.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.project_id IS 'The project whose events this agent may send.';


--
-- Name: COLUMN agents.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.name IS 'Operator-chosen name, unique within the project.';


--
-- Name: COLUMN agents.token_hash; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.token_hash IS 'HMAC-SHA256(key = Z4J_SECRET || "z4j-agent-token-v1", token); the plaintext token is shown once and never stored.';


--
-- Name: COLUMN agents.state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.state IS 'online while at least one worker of the agent holds a WebSocket, else offline.';


--
-- Name: COLUMN agents.protocol_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.protocol_version IS 'Wire protocol version from the last hello; NULL before the first connection.';


--
-- Name: COLUMN agents.agent_version; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.agent_version IS 'Agent package version from the last hello.';


--
-- Name: COLUMN agents.framework; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.framework IS 'Framework adapter from the last hello (bare, django, flask, fastapi, ...).';


--
-- Name: COLUMN agents.engines; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.engines IS 'Engine adapters from the last hello (celery, rq, ...).';


--
-- Name: COLUMN agents.schedulers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.schedulers IS 'Scheduler adapters from the last hello (celery-beat, rq-scheduler, ...).';


--
-- Name: COLUMN agents.capabilities; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.capabilities IS 'Actions the agent supports, per engine or scheduler, as sent in hello: {"rq": ["retry_task", ...]}.';


--
-- Name: COLUMN agents.host; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.host IS 'Host description from the last hello (name, platform, python version, ...).';


--
-- Name: COLUMN agents.last_seen_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.last_seen_at IS 'When any frame from this agent was last received.';


--
-- Name: COLUMN agents.last_connect_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.last_connect_at IS 'When a worker of this agent last completed the hello handshake.';


--
-- Name: COLUMN agents.revoked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.revoked_at IS 'When the token was revoked; a revoked agent cannot connect. NULL while valid.';


--
-- Name: COLUMN agents.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.created_at IS 'When the token was minted.';


--
-- Name: COLUMN agents.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.agents.updated_at IS 'When the agent row last changed.';


--
-- Name: commands; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.commands (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    agent_id uuid NOT NULL,
    action text NOT NULL,
    target jsonb DEFAULT '{}'::jsonb NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    status public.command_status DEFAULT 'pending'::public.command_status NOT NULL,
    idempotency_key text,
    issued_by uuid,
    timeout_seconds integer DEFAULT 60 NOT NULL,
    issued_at timestamp with time zone DEFAULT now() NOT NULL,
    dispatched_at timestamp with time zone,
    dispatched_session uuid,
    acked_at timestamp with time zone,
    completed_at timestamp with time zone,
    timeout_at timestamp with time zone NOT NULL,
    result jsonb,
    error text,
    CONSTRAINT commands_timeout_seconds_check CHECK (((timeout_seconds >= 1) AND (timeout_seconds <= 86400)))
);


--
-- Name: TABLE commands; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.commands IS 'Actions sent to agents (retry, cancel, purge, schedule changes, ...): a row first, then delivered to whichever brain process holds the agent''s socket.';


--
-- Name: COLUMN commands.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.id IS 'Command id; also the id of the command, command_ack and command_result frames.';


--
-- Name: COLUMN commands.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.project_id IS 'Project of the target agent.';


--
-- Name: COLUMN commands.agent_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.agent_id IS 'Agent that must execute the command.';


--
-- Name: COLUMN commands.action; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.action IS 'Action name from the protocol (retry_task, cancel_task, purge_queue, schedule.enable, ...).';


--
-- Name: COLUMN commands.target; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.target IS 'What the action applies to, e.g. {"type":"task","id":"rq:<id>","engine":"rq"}.';


--
-- Name: COLUMN commands.parameters; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.parameters IS 'Action parameters as sent to the agent.';


--
-- Name: COLUMN commands.status; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.status IS 'Lifecycle state; see the command_status type.';


--
-- Name: COLUMN commands.idempotency_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.idempotency_key IS 'Client-chosen key; a second command with the same key in the project returns the first.';


--
-- Name: COLUMN commands.issued_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.issued_by IS 'User who issued the command; NULL for commands issued by z4j itself.';


--
-- Name: COLUMN commands.timeout_seconds; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.timeout_seconds IS 'Seconds the agent has to answer; sent in the frame.';


--
-- Name: COLUMN commands.issued_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.issued_at IS 'When the command was stored.';


--
-- Name: COLUMN commands.dispatched_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.dispatched_at IS 'When the command frame was last written to an agent socket.';


--
-- Name: COLUMN commands.dispatched_session; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.dispatched_session IS 'Agent session the command was written to; if that session closes before the ack, the command returns to pending.';


--
-- Name: COLUMN commands.acked_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.acked_at IS 'When the agent acknowledged receipt (command_ack).';


--
-- Name: COLUMN commands.completed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.completed_at IS 'When the command reached completed, failed or timeout.';


--
-- Name: COLUMN commands.timeout_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.timeout_at IS 'Deadline after which the timeout job marks an unanswered command timeout.';


--
-- Name: COLUMN commands.result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.result IS 'Result object from command_result when the agent reported success.';


--
-- Name: COLUMN commands.error; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.commands.error IS 'Error text from command_result, or why z4j failed or timed the command out.';


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    project_id uuid NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    id uuid NOT NULL,
    agent_id uuid NOT NULL,
    engine text NOT NULL,
    task_id text,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
)
PARTITION BY RANGE (occurred_at);


--
-- Name: TABLE events; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.events IS 'Every lifecycle event an agent reported, as received (after agent-side redaction). Partitioned by day on occurred_at (UTC); partitions are named events_pYYYYMMDD, rows outside every partition land in events_default.';


--
-- Name: COLUMN events.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.project_id IS 'Owning project (no foreign key: the hot insert path skips the lookup; projects are archived, not deleted).';


--
-- Name: COLUMN events.occurred_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.occurred_at IS 'When the event happened, as the agent reported it; the partition key.';


--
-- Name: COLUMN events.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.id IS 'Event id chosen by the agent and kept across resends; a resent event is stored once.';


--
-- Name: COLUMN events.agent_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.agent_id IS 'Agent whose connection delivered the event.';


--
-- Name: COLUMN events.engine; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.engine IS 'Engine that produced the event (celery, rq, ...).';


--
-- Name: COLUMN events.task_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.task_id IS 'Engine task id for task.* events; NULL for worker, queue and schedule events.';


--
-- Name: COLUMN events.kind; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.kind IS 'Event kind: task.sent, task.received, task.started, task.succeeded, task.failed, task.retried, task.revoked, task.rejected, worker.*, queue.depth_report, schedule.*, unknown.';


--
-- Name: COLUMN events.payload; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.payload IS 'The event''s data object as sent by the agent.';


--
-- Name: COLUMN events.received_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.events.received_at IS 'When the brain stored the event.';


--
-- Name: events_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events_default (
    project_id uuid CONSTRAINT events_project_id_not_null NOT NULL,
    occurred_at timestamp with time zone CONSTRAINT events_occurred_at_not_null NOT NULL,
    id uuid CONSTRAINT events_id_not_null NOT NULL,
    agent_id uuid CONSTRAINT events_agent_id_not_null NOT NULL,
    engine text CONSTRAINT events_engine_not_null NOT NULL,
    task_id text,
    kind text CONSTRAINT events_kind_not_null NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb CONSTRAINT events_payload_not_null NOT NULL,
    received_at timestamp with time zone DEFAULT now() CONSTRAINT events_received_at_not_null NOT NULL
);


--
-- Name: TABLE events_default; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.events_default IS 'Default partition of events: rows whose day had no partition yet. Normally empty; the partition job moves rows out when it creates their day.';


--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    archived_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projects_name_not_blank CHECK ((btrim(name) <> ''::text)),
    CONSTRAINT projects_slug_format CHECK ((slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'::text))
);


--
-- Name: TABLE projects; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.projects IS 'A project groups the agents, tasks and events of one application; every other row belongs to one.';


--
-- Name: COLUMN projects.id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.id IS 'Project UUID; also the input of the per-project HMAC key derivation.';


--
-- Name: COLUMN projects.slug; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.slug IS 'URL name, lower-case letters, digits and dashes, 2 to 63 characters; unique.';


--
-- Name: COLUMN projects.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.name IS 'Display name.';


--
-- Name: COLUMN projects.description; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.description IS 'Free text shown in the dashboard; empty when unset.';


--
-- Name: COLUMN projects.archived_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.archived_at IS 'When the project was archived; NULL while active. Archived projects keep their data.';


--
-- Name: COLUMN projects.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.created_at IS 'When the project was created.';


--
-- Name: COLUMN projects.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.projects.updated_at IS 'When the project row last changed.';


--
-- Name: queues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.queues (
    project_id uuid NOT NULL,
    engine text NOT NULL,
    name text NOT NULL,
    depth bigint NOT NULL,
    reported_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE queues; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.queues IS 'Latest known depth of each queue, from the <engine>.queue_depths side channel of agent heartbeats.';


--
-- Name: COLUMN queues.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.project_id IS 'Owning project.';


--
-- Name: COLUMN queues.engine; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.engine IS 'Engine of the queue (celery, rq, ...).';


--
-- Name: COLUMN queues.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.name IS 'Queue name.';


--
-- Name: COLUMN queues.depth; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.depth IS 'Messages waiting in the queue at updated_at.';


--
-- Name: COLUMN queues.reported_by; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.reported_by IS 'Agent whose heartbeat reported the depth.';


--
-- Name: COLUMN queues.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.queues.updated_at IS 'When the depth was reported.';


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    project_id uuid NOT NULL,
    engine text NOT NULL,
    task_id text NOT NULL,
    name text,
    queue text,
    state public.task_state DEFAULT 'unknown'::public.task_state NOT NULL,
    priority text,
    args jsonb,
    kwargs jsonb,
    result jsonb,
    exception text,
    exception_message text,
    traceback text,
    retry_count integer DEFAULT 0 NOT NULL,
    eta timestamp with time zone,
    worker text,
    parent_task_id text,
    root_task_id text,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    received_at timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    runtime_ms double precision,
    last_event_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE tasks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.tasks IS 'Current state of every task seen in an event: the projection of the events table, upserted at ingest.';


--
-- Name: COLUMN tasks.project_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.project_id IS 'Owning project.';


--
-- Name: COLUMN tasks.engine; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.engine IS 'Task queue engine that ran the task (celery, rq, dramatiq, huey, arq, taskiq).';


--
-- Name: COLUMN tasks.task_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.task_id IS 'The engine''s own task or job id.';


--
-- Name: COLUMN tasks.name; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.name IS 'Task name (the function''s dotted path for most engines).';


--
-- Name: COLUMN tasks.queue; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.queue IS 'Queue the task was sent to.';


--
-- Name: COLUMN tasks.state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.state IS 'Current state; it only moves forward: a terminal state beats a non-terminal one and an older event never overwrites a newer one.';


--
-- Name: COLUMN tasks.priority; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.priority IS 'Priority label from the event, when the engine has one.';


--
-- Name: COLUMN tasks.args; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.args IS 'Positional arguments as captured (after the agent''s redaction).';


--
-- Name: COLUMN tasks.kwargs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.kwargs IS 'Keyword arguments as captured (after the agent''s redaction).';


--
-- Name: COLUMN tasks.result; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.result IS 'Return value of a successful run, when the agent captures it.';


--
-- Name: COLUMN tasks.exception; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.exception IS 'Exception class name of the last failure.';


--
-- Name: COLUMN tasks.exception_message; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.exception_message IS 'Exception message of the last failure.';


--
-- Name: COLUMN tasks.traceback; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.traceback IS 'Traceback text of the last failure.';


--
-- Name: COLUMN tasks.retry_count; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.retry_count IS 'Number of retries reported for the task.';


--
-- Name: COLUMN tasks.eta; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.eta IS 'When the task is scheduled to run, for delayed tasks.';


--
-- Name: COLUMN tasks.worker; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.worker IS 'Name of the worker that last reported the task.';


--
-- Name: COLUMN tasks.parent_task_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.parent_task_id IS 'Task id of the task that sent this one, when known.';


--
-- Name: COLUMN tasks.root_task_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.root_task_id IS 'Task id of the first task of this workflow, when known.';


--
-- Name: COLUMN tasks.tags; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.tags IS 'Free-form labels attached by the application.';


--
-- Name: COLUMN tasks.received_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.received_at IS 'When a worker received the task.';


--
-- Name: COLUMN tasks.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.started_at IS 'When the last run started.';


--
-- Name: COLUMN tasks.finished_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.finished_at IS 'When the task reached a terminal state.';


--
-- Name: COLUMN tasks.runtime_ms; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.runtime_ms IS 'Runtime of the last run in milliseconds.';


--
-- Name: COLUMN tasks.last_event_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.last_event_at IS 'occurred_at of the newest event applied to this row; guards against older events.';


--
-- Name: COLUMN tasks.created_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.created_at IS 'When the brain first stored the task.';


--
-- Name: COLUMN tasks.updated_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.updated_at IS 'When the brain last changed the row.';


--
-- Name: events_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_default DEFAULT;


--
-- Name: agent_workers agent_workers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_workers
    ADD CONSTRAINT agent_workers_pkey PRIMARY KEY (agent_id, worker_id);


--
-- Name: agents agents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (id);


--
-- Name: agents agents_project_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_project_name_key UNIQUE (project_id, name);


--
-- Name: agents agents_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_token_hash_key UNIQUE (token_hash);


--
-- Name: commands commands_idempotency_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.commands
    ADD CONSTRAINT commands_idempotency_key UNIQUE (project_id, idempotency_key);


--
-- Name: commands commands_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.commands
    ADD CONSTRAINT commands_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (project_id, occurred_at, id);


--
-- Name: events_default events_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events_default
    ADD CONSTRAINT events_default_pkey PRIMARY KEY (project_id, occurred_at, id);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: projects projects_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT projects_slug_key UNIQUE (slug);


--
-- Name: queues queues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queues
    ADD CONSTRAINT queues_pkey PRIMARY KEY (project_id, engine, name);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (project_id, engine, task_id);


--
-- Name: agent_workers_project_state_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_workers_project_state_idx ON public.agent_workers USING btree (project_id, state);


--
-- Name: agent_workers_session_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_workers_session_idx ON public.agent_workers USING btree (session_id);


--
-- Name: agents_project_state_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agents_project_state_idx ON public.agents USING btree (project_id, state);


--
-- Name: commands_agent_open_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX commands_agent_open_idx ON public.commands USING btree (agent_id, issued_at) WHERE (status = ANY (ARRAY['pending'::public.command_status, 'dispatched'::public.command_status]));


--
-- Name: commands_open_timeout_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX commands_open_timeout_idx ON public.commands USING btree (timeout_at) WHERE (status = ANY (ARRAY['pending'::public.command_status, 'dispatched'::public.command_status, 'acked'::public.command_status]));


--
-- Name: commands_project_issued_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX commands_project_issued_idx ON public.commands USING btree (project_id, issued_at DESC);


--
-- Name: events_task_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_task_idx ON ONLY public.events USING btree (project_id, engine, task_id, occurred_at);


--
-- Name: events_default_project_id_engine_task_id_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX events_default_project_id_engine_task_id_occurred_at_idx ON public.events_default USING btree (project_id, engine, task_id, occurred_at);


--
-- Name: events_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.events_pkey ATTACH PARTITION public.events_default_pkey;


--
-- Name: events_default_project_id_engine_task_id_occurred_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.events_task_idx ATTACH PARTITION public.events_default_project_id_engine_task_id_occurred_at_idx;


--
-- Name: agent_workers agent_workers_agent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_workers
    ADD CONSTRAINT agent_workers_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(id) ON DELETE CASCADE;


--
-- Name: agent_workers agent_workers_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_workers
    ADD CONSTRAINT agent_workers_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: agents agents_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: commands commands_agent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.commands
    ADD CONSTRAINT commands_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(id) ON DELETE CASCADE;


--
-- Name: commands commands_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.commands
    ADD CONSTRAINT commands_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: queues queues_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queues
    ADD CONSTRAINT queues_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- Name: tasks tasks_project_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict dbmate


--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261123100000'),
    ('20261123100100'),
    ('20261123100200'),
    ('20261123100300'),
    ('20261123110000'),
    ('20261123110100'),
    ('20261123120000'),
    ('20261123130000');
