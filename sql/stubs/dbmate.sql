-- Stub for sqlc only: this file is listed in sqlc.yaml's `schema:` but is NEVER migrated.
-- dbmate creates and owns schema_migrations itself; declaring it here lets queries read it.
CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
