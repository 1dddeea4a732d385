-- leads: one lead per unit, outlet, pollutant and month with an
-- exceedance: exceedance hours and days, the worst value (the largest
-- ratio to its limit) and the limit it broke, the month's valid hours and
-- the severity class (docs/monitoring.md): chronic when 66% or more of the
-- valid hours exceed, technical when 33% or more exceed the hourly
-- concentration limit by 1.2x or more, else exceedance.
-- `period` is the month, YYYY-MM, of the hour or day.
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
valid AS (
  SELECT credit_code, outlet, pollutant,
         SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7) AS period,
         COUNT(*) AS valid_hours
  FROM hours
  GROUP BY credit_code, outlet, pollutant,
           SUBSTRING(CAST(reading_day AS VARCHAR(10)) FROM 1 FOR 7)
)
SELECT c.credit_code, c.outlet, c.pollutant, c.period,
       c.exceedance_hours, c.exceedance_days,
       w.checked_value AS worst_value, w.limit_value,
       COALESCE(v.valid_hours, 0) AS valid_hours,
       CASE
         WHEN COALESCE(v.valid_hours, 0) > 0
              AND CAST(c.exceedance_hours AS DOUBLE)
                  >= CAST(0.66 AS DOUBLE) * CAST(v.valid_hours AS DOUBLE)
           THEN 'chronic'
         WHEN COALESCE(v.valid_hours, 0) > 0
              AND CAST(c.exceedance_hours_1_2 AS DOUBLE)
                  >= CAST(0.33 AS DOUBLE) * CAST(v.valid_hours AS DOUBLE)
           THEN 'technical'
         ELSE 'exceedance'
       END AS severity
FROM counts c
JOIN worst w
  ON w.credit_code = c.credit_code AND w.outlet = c.outlet
 AND w.pollutant = c.pollutant AND w.period = c.period AND w.nth = 1
LEFT JOIN valid v
  ON v.credit_code = c.credit_code AND v.outlet = c.outlet
 AND v.pollutant = c.pollutant AND v.period = c.period;
