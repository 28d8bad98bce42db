-- name: EnsureEventsPartition :one
-- Creates the events partition for one UTC day unless one covers it; true when created.
SELECT z4j_ensure_events_partition(@day::date) AS created;

-- name: ListEventsPartitions :many
-- Daily events partitions with the range each covers, read from the catalog bounds.
SELECT partition_name::text AS partition_name,
       range_start::timestamptz AS range_start,
       range_end::timestamptz AS range_end
FROM z4j_events_partitions()
ORDER BY range_start;

-- name: DropEventsPartitionsBefore :many
-- Drops the partitions whose range ends on or before the cutoff day; returns their names.
SELECT dropped::text AS dropped FROM z4j_drop_events_partitions_before(@cutoff::date) AS dropped;

-- name: CountDefaultPartitionRows :one
-- Rows waiting in events_default for their day's partition (normally zero).
SELECT count(*)::bigint AS n FROM events_default;
