-- daily_exceedances: valid daily means above the permit's daily limit
-- (each outlet-day one exceedance). A daily value the data reports
-- (averaging = 'day', flag N or T) is compared as it is, after the O2
-- correction; for a day the data reports no daily value for, the mean of
-- the day's valid hours is compared when there are at least 20 of them
-- (HJ 75-2017; docs/monitoring.md).
CREATE VIEW daily_exceedances AS
WITH reported AS (
  SELECT r.credit_code, r.outlet, r.pollutant,
         CAST(r.measured_at AS DATE) AS reading_day,
         CASE
           WHEN s.reference_o2 IS NULL THEN r.measured
           WHEN r.o2 >= 0 AND r.o2 < 21
             THEN r.measured * (21 - s.reference_o2) / (21 - r.o2)
           WHEN r.corrected IS NOT NULL THEN r.corrected
           ELSE r.measured
         END AS checked_value,
         r.file, r.line, 0 AS valid_hours
  FROM readings r
  JOIN series s
    ON s.credit_code = r.credit_code AND s.outlet = r.outlet
   AND s.pollutant = r.pollutant
  WHERE r.averaging = 'day' AND r.flag IN ('N', 'T')
),
computed AS (
  SELECT h.credit_code, h.outlet, h.pollutant, h.reading_day,
         AVG(h.compared) AS checked_value,
         MAX(h.file) AS file, MAX(h.line) AS line,
         COUNT(*) AS valid_hours
  FROM hours h
  WHERE NOT EXISTS (
    SELECT 1 FROM readings d
    WHERE d.averaging = 'day' AND d.credit_code = h.credit_code
      AND d.outlet = h.outlet AND d.pollutant = h.pollutant
      AND CAST(d.measured_at AS DATE) = h.reading_day)
  GROUP BY h.credit_code, h.outlet, h.pollutant, h.reading_day
  HAVING COUNT(*) >= 20
),
days AS (
  SELECT * FROM reported
  UNION ALL
  SELECT * FROM computed
)
SELECT d.credit_code, d.outlet, d.pollutant, d.reading_day, d.checked_value,
       d.valid_hours, d.file, d.line, l.field, l.bound, l.limit_value,
       l.written, l.permit, l.line AS permit_line,
       d.checked_value / CASE WHEN l.limit_value > 1e-9 THEN l.limit_value ELSE 1e-9 END
         AS ratio
FROM days d
JOIN limits l
  ON l.credit_code = d.credit_code AND l.outlet = d.outlet
 AND l.pollutant = d.pollutant
WHERE l.averaging = 'day' AND d.checked_value > l.limit_value;
