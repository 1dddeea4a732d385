-- hourly_exceedances: every valid hour above an hourly limit of the permit
-- (`concentration`, compared after the O2 correction; a `limit` with bound
-- max, compared as measured) or below a floor (`limit` with bound min, e.g.
-- furnace temperature >= 850 C). One row per hour and limit broken.
-- `ratio` is how far: value / limit (limit / value for a floor).
CREATE VIEW hourly_exceedances AS
WITH checked AS (
  SELECT h.credit_code, h.outlet, h.pollutant, h.measured_at, h.reading_day,
         h.file, h.line, l.field, l.bound, l.limit_value, l.written,
         l.permit, l.line AS permit_line,
         CASE WHEN l.field = 'concentration' THEN h.compared ELSE h.measured END
           AS checked_value
  FROM hours h
  JOIN limits l
    ON l.credit_code = h.credit_code AND l.outlet = h.outlet
   AND l.pollutant = h.pollutant
  WHERE l.averaging = 'hour'
)
SELECT c.*,
       CASE WHEN c.bound = 'min'
         THEN c.limit_value / CASE WHEN c.checked_value > 1e-9 THEN c.checked_value ELSE 1e-9 END
         ELSE c.checked_value / CASE WHEN c.limit_value > 1e-9 THEN c.limit_value ELSE 1e-9 END
       END AS ratio
FROM checked c
WHERE (c.bound = 'max' AND c.checked_value > c.limit_value)
   OR (c.bound = 'min' AND c.checked_value < c.limit_value);
