-- migrate:up
CREATE TABLE projects (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text        NOT NULL UNIQUE
                            CONSTRAINT projects_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text        NOT NULL CONSTRAINT projects_name_not_blank CHECK (btrim(name) <> ''),
    description text        NOT NULL DEFAULT '',
    archived_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE projects IS
    'A project groups the agents, tasks and events of one application; every other row belongs to one.';
COMMENT ON COLUMN projects.id IS 'Project UUID; also the input of the per-project HMAC key derivation.';
COMMENT ON COLUMN projects.slug IS 'URL name, lower-case letters, digits and dashes, 2 to 63 characters; unique.';
COMMENT ON COLUMN projects.name IS 'Display name.';
COMMENT ON COLUMN projects.description IS 'Free text shown in the dashboard; empty when unset.';
COMMENT ON COLUMN projects.archived_at IS 'When the project was archived; NULL while active. Archived projects keep their data.';
COMMENT ON COLUMN projects.created_at IS 'When the project was created.';
COMMENT ON COLUMN projects.updated_at IS 'When the project row last changed.';

-- migrate:down
DROP TABLE projects;
