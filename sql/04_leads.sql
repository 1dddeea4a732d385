-- leads: one lead per unit, outlet, pollutant and month (`period`,
-- YYYY-MM) with an exceedance or a data problem, as the native lead list
-- (docs/monitoring.md): exceedance hours and days, the worst value (the
-- largest ratio to its limit) and the limit it broke, the month's valid,
-- flagged and expected hours, and the severity class:
--   chronic     66% or more of the valid hours exceed;
--   technical   33% or more exceed the hourly concentration limit by 1.2x;
--   exceedance  at least one hour or day above a limit (or below a floor);
--   data        no exceedance, but fewer than 75% of the expected hours
--               valid or 30% or more of them flagged.
-- A month counts for a series when it has a reading of the series (hourly
-- or daily, any flag). Expected hours are the hours of the month the run
-- covered (table `coverage`). A data lead's limit is the series' hourly
-- limit: the concentration, else a ceiling, else a floor.
CREATE VIEW leads AS
WITH events AS (
  SELECT credit_code, outlet, pollutant,
         SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7) AS period,
         1 AS hours, 0 AS days,
         CASE WHEN field = 'concentration'
                   AND checked_value >= CAST(1.2 AS DOUBLE) * limit_value
              THEN 1 ELSE 0 END AS hours_1_2,
         checked_value, limit_value, ratio
  FROM hourly_exceedances
  UNION ALL
  SELECT credit_code, outlet, pollutant,
         SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7) AS period,
         0 AS hours, 1 AS days, 0 AS hours_1_2,
         checked_value, limit_value, ratio
  FROM daily_exceedances
),
counts AS (
  SELECT credit_code, outlet, pollutant, period,
         SUM(hours) AS exceedance_hours, SUM(days) AS exceedance_days,
         SUM(hours_1_2) AS exceedance_hours_1_2
  FROM events
  GROUP BY credit_code, outlet, pollutant, period
),
worst AS (
  SELECT credit_code, outlet, pollutant, period, checked_value, limit_value,
         ROW_NUMBER() OVER (
           PARTITION BY credit_code, outlet, pollutant, period
           ORDER BY ratio DESC, checked_value DESC) AS nth
  FROM events
),
months AS (
  SELECT DISTINCT r.credit_code, r.outlet, r.pollutant,
         SUBSTRING(CAST(CAST(r.measured_at AS DATE) AS VARCHAR(10)) FROM 1 FOR 7)
           AS period
  FROM readings r
  JOIN series s
    ON s.credit_code = r.credit_code AND s.outlet = r.outlet
   AND s.pollutant = r.pollutant
),
valid AS (
  SELECT credit_code, outlet, pollutant,
         SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7) AS period,
         COUNT(*) AS valid_hours
  FROM hours
  GROUP BY credit_code, outlet, pollutant,
           SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7)
),
flagged AS (
  -- the first reading of each hour (file and line order) with a flag
  -- other than N or T
  SELECT credit_code, outlet, pollutant,
         SUBSTRING(CAST(CAST(measured_at AS DATE) AS VARCHAR(10)) FROM 1 FOR 7)
           AS period,
         COUNT(*) AS excluded_hours
  FROM (
    SELECT r.credit_code, r.outlet, r.pollutant, r.measured_at, r.flag,
           ROW_NUMBER() OVER (
             PARTITION BY r.credit_code, r.outlet, r.pollutant, r.measured_at
             ORDER BY r.file, r.line) AS nth
    FROM readings r
    WHERE r.averaging = 'hour'
  ) f
  WHERE f.nth = 1 AND f.flag NOT IN ('N', 'T')
  GROUP BY credit_code, outlet, pollutant,
           SUBSTRING(CAST(CAST(measured_at AS DATE) AS VARCHAR(10)) FROM 1 FOR 7)
),
hourly_limit AS (
  SELECT credit_code, outlet, pollutant, limit_value,
         ROW_NUMBER() OVER (
           PARTITION BY credit_code, outlet, pollutant
           ORDER BY CASE WHEN field = 'concentration' THEN 0
                         WHEN bound = 'max' THEN 1 ELSE 2 END) AS nth
  FROM limits
  WHERE averaging = 'hour'
),
month_counts AS (
  SELECT m.credit_code, m.outlet, m.pollutant, m.period,
         COALESCE(c.exceedance_hours, 0) AS exceedance_hours,
         COALESCE(c.exceedance_days, 0) AS exceedance_days,
         COALESCE(c.exceedance_hours_1_2, 0) AS exceedance_hours_1_2,
         w.checked_value AS worst_value,
         COALESCE(w.limit_value, hl.limit_value) AS limit_value,
         COALESCE(v.valid_hours, 0) AS valid_hours,
         COALESCE(f.excluded_hours, 0) AS excluded_hours,
         COALESCE(cv.expected_hours, 0) AS expected_hours
  FROM months m
  LEFT JOIN counts c
    ON c.credit_code = m.credit_code AND c.outlet = m.outlet
   AND c.pollutant = m.pollutant AND c.period = m.period
  LEFT JOIN worst w
    ON w.credit_code = m.credit_code AND w.outlet = m.outlet
   AND w.pollutant = m.pollutant AND w.period = m.period AND w.nth = 1
  LEFT JOIN hourly_limit hl
    ON hl.credit_code = m.credit_code AND hl.outlet = m.outlet
   AND hl.pollutant = m.pollutant AND hl.nth = 1
  LEFT JOIN valid v
    ON v.credit_code = m.credit_code AND v.outlet = m.outlet
   AND v.pollutant = m.pollutant AND v.period = m.period
  LEFT JOIN flagged f
    ON f.credit_code = m.credit_code AND f.outlet = m.outlet
   AND f.pollutant = m.pollutant AND f.period = m.period
  LEFT JOIN coverage cv
    ON cv.credit_code = m.credit_code AND cv.period = m.period
),
classified AS (
  SELECT mc.*,
         CASE
           WHEN mc.valid_hours > 0
                AND CAST(mc.exceedance_hours AS DOUBLE)
                    >= CAST(0.66 AS DOUBLE) * CAST(mc.valid_hours AS DOUBLE)
             THEN 'chronic'
           WHEN mc.valid_hours > 0
                AND CAST(mc.exceedance_hours_1_2 AS DOUBLE)
                    >= CAST(0.33 AS DOUBLE) * CAST(mc.valid_hours AS DOUBLE)
             THEN 'technical'
           WHEN mc.exceedance_hours > 0 OR mc.exceedance_days > 0
             THEN 'exceedance'
           WHEN mc.expected_hours > 0
                AND (CAST(mc.valid_hours AS DOUBLE)
                       < CAST(0.75 AS DOUBLE) * CAST(mc.expected_hours AS DOUBLE)
                     OR CAST(mc.excluded_hours AS DOUBLE)
                       >= CAST(0.30 AS DOUBLE) * CAST(mc.expected_hours AS DOUBLE))
             THEN 'data'
         END AS severity
  FROM month_counts mc
)
SELECT credit_code, outlet, pollutant, period, exceedance_hours,
       exceedance_days, worst_value, limit_value, valid_hours,
       excluded_hours, expected_hours, severity
FROM classified
WHERE severity IS NOT NULL;
