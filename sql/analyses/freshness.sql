-- The newest year with a value per KPI, and when it was last loaded.
SELECT indicator_id, max(year) AS latest_year, count(*) AS current_values,
       max(loaded_at) AS last_loaded
FROM observation
WHERE source = 'kolada'
GROUP BY indicator_id
ORDER BY indicator_id;
