-- name: CreateProject :one
-- Creates a project and returns it.
INSERT INTO projects (slug, name, description)
VALUES (@slug::text, @name::text, @description::text)
RETURNING *;

-- name: GetProjectBySlug :one
-- One project by its slug.
SELECT * FROM projects WHERE slug = @slug::text;

-- name: GetProjectById :one
-- One project by its id.
SELECT * FROM projects WHERE id = @id::uuid;
