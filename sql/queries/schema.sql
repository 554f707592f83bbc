-- The bookkeeping of migrations (sql/migrations) and views (sql/views).

-- name: CreateSchemaMigration
CREATE TABLE IF NOT EXISTS schema_migration (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    checksum   VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- name: SchemaMigrationExists
SELECT count(*) > 0 FROM information_schema.tables
WHERE table_schema = 'main' AND table_name = 'schema_migration';

-- name: SchemaVersion
SELECT max(version) FROM schema_migration;

-- name: RecordMigration
INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3);

-- name: CreateSchemaViews
CREATE TABLE IF NOT EXISTS schema_views (checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());

-- name: ViewsChecksum
SELECT any_value(checksum) FROM schema_views;

-- name: DeleteViewsChecksum
DELETE FROM schema_views;

-- name: RecordViewsChecksum
INSERT INTO schema_views (checksum) VALUES ($1);

-- name: Checkpoint
-- Fold the WAL into the file, so that a copy of the file alone is complete.
CHECKPOINT;
