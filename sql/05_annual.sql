-- annual_totals, annual_exceedances: emissions computed from
-- concentration x flow per year of validity, against the permit's annual
-- limit of that year (docs/monitoring.md). Each valid hour with a flow
-- adds compared (mg/m3, or mg/L) x flow (m3/h) x 1 h (x 1000 L/m3 for
-- water): mg, summed and given in t. The year of validity counts from the
-- permit's valid_from: an `annual_years` row applies from its year_from to
-- its year_to; the `annual` row applies to every later year (from its
-- year_from, open-ended), each year of validity on its own; without a
-- valid_from (year_from empty), calendar years against `annual`.
-- `year_start` is the first day of the year of validity. Only hours with a
-- flow count, so a total from partial data is a lower bound.
CREATE VIEW annual_totals AS
WITH counted AS (
  SELECT h.credit_code, h.outlet, h.pollutant, h.reading_day, l.field,
         l.limit_value, l.written, l.permit, l.line AS permit_line,
         l.year_from,
         CASE
           WHEN l.year_from IS NULL THEN 0
           ELSE EXTRACT(YEAR FROM h.reading_day) - EXTRACT(YEAR FROM l.year_from)
                - CASE WHEN EXTRACT(MONTH FROM h.reading_day) * 100
                            + EXTRACT(DAY FROM h.reading_day)
                          < EXTRACT(MONTH FROM l.year_from) * 100
                            + EXTRACT(DAY FROM l.year_from)
                       THEN 1 ELSE 0 END
         END AS nth_year,
         CASE WHEN l.year_from IS NULL THEN EXTRACT(YEAR FROM h.reading_day)
              ELSE 0 END AS calendar_year,
         h.compared * h.flow
           * CASE WHEN l.medium = 'water' THEN 1000 ELSE 1 END AS mg
  FROM hours h
  JOIN limits l
    ON l.credit_code = h.credit_code AND l.outlet = h.outlet
   AND l.pollutant = h.pollutant
  WHERE h.flow IS NOT NULL AND l.averaging = 'year'
    AND ((l.field = 'annual_years'
          AND h.reading_day >= l.year_from AND h.reading_day <= l.year_to)
      OR (l.field = 'annual'
          AND (l.year_from IS NULL OR h.reading_day >= l.year_from)
          AND NOT EXISTS (
            SELECT 1 FROM limits y
            WHERE y.credit_code = l.credit_code AND y.outlet = l.outlet
              AND y.pollutant = l.pollutant AND y.field = 'annual_years'
              AND h.reading_day >= y.year_from
              AND h.reading_day <= y.year_to)))
)
SELECT credit_code, outlet, pollutant, field, limit_value, written, permit,
       permit_line,
       CASE
         WHEN year_from IS NULL
           THEN CAST(CAST(calendar_year AS VARCHAR(4)) || '-01-01' AS DATE)
         ELSE CAST(year_from + nth_year * INTERVAL '1' YEAR AS DATE)
       END AS year_start,
       SUM(mg) * CAST(1e-9 AS DOUBLE) AS total_t,
       COUNT(*) AS hours_counted
FROM counted
GROUP BY credit_code, outlet, pollutant, field, limit_value, written, permit,
         permit_line, year_from, nth_year, calendar_year;

CREATE VIEW annual_exceedances AS
SELECT *
FROM annual_totals
WHERE total_t > limit_value;
