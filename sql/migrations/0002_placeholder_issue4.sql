-- PLACEHOLDER on branch issue4 only: migrations must be numbered without gaps,
-- and 0002 belongs to another branch. Delete this file when merging issue4 (the
-- real 0002 takes its place); it changes nothing.
SELECT 1;
