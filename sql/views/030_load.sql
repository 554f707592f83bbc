-- Lineage per load, with its duration.
CREATE OR REPLACE VIEW v_load AS
SELECT load_id, source, mode, status, started_at, finished_at,
       finished_at - started_at AS duration,
       rows_read, rows_inserted, rows_updated, rows_deleted, requests, error
FROM load;
