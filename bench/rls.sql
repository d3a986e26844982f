-- Row-level security for the peer (PostGraphile) on the bench database ONLY (hub_bench).
-- It mirrors what policies/records.polar grants one RIEP analyst (riep-west-midlands, purpose
-- early_warning): an observation is visible when its authority, in the RIEP's region, has the
-- current version of an active agreement in force today that names the RIEP as recipient,
-- permits the purpose, covers the record's source and/or theme (its indicator's theme) and
-- releases its status (provisional only where included). Superseded rows are not current.
-- Reference tables are readable by the role. bench/suite.py applies this file idempotently.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_riep') THEN
    CREATE ROLE bench_riep LOGIN;
  END IF;
END $$;
-- The hub runs without JIT compilation (hub/db.py): so do its baselines.
ALTER ROLE bench_riep SET jit = off;

GRANT USAGE ON SCHEMA public TO bench_riep;
GRANT SELECT ON region, authority, indicator, source, theme, observation, organisation, agreement,
  agreement_version, agreement_recipient, agreement_purpose, agreement_coverage TO bench_riep;

ALTER TABLE observation ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS bench_riep_read ON observation;
DROP FUNCTION IF EXISTS bench_riep_may_read(observation);

-- The grant lines in force for the RIEP (whose agreement, which source and/or theme, with
-- provisional data or not), as in bench/floor.py grants(). PL/pgSQL, not an inlined view or
-- SQL function: its plan is cached per connection, where six inlined copies of the
-- seven-table join took about 55 ms to plan per statement. In its own schema so
-- PostGraphile (schema public) does not expose it.
CREATE SCHEMA IF NOT EXISTS bench_rls;
DROP FUNCTION IF EXISTS bench_rls.riep_lines();
CREATE FUNCTION bench_rls.riep_lines()
RETURNS TABLE (authority_id integer, source_id integer, theme_code varchar, include_provisional boolean)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT a.authority_id, c.source_id, c.theme_code, v.include_provisional
  FROM agreement a
  JOIN authority au ON au.id = a.authority_id
  JOIN agreement_version v ON v.agreement_id = a.id
  JOIN agreement_recipient r ON r.version_id = v.id
  JOIN agreement_purpose p ON p.version_id = v.id
  JOIN agreement_coverage c ON c.version_id = v.id
  JOIN organisation org ON org.id = r.organisation_id AND org.region_id = au.region_id
  WHERE org.code = 'riep-west-midlands'
    AND p.purpose = 'early_warning'
    AND v.is_current AND v.state = 'active'
    AND v.effective_from <= CURRENT_DATE
    AND (v.effective_to IS NULL OR v.effective_to >= CURRENT_DATE)
    AND (v.review_date IS NULL OR v.review_date >= CURRENT_DATE);
END
$$;
GRANT USAGE ON SCHEMA bench_rls TO bench_riep;
GRANT EXECUTE ON FUNCTION bench_rls.riep_lines() TO bench_riep;

-- One uncorrelated membership test per kind of line (source only, theme only, both) and
-- status, as bench/floor.py shared() and hub/authz/sql.py do: each set of lines is hashed once
-- per statement, where a correlated EXISTS re-ran the agreement join for every row. A line
-- names a source only when its theme_code IS NULL, a theme only when its source_id IS NULL;
-- NULLs never compare equal, so no line matches on a column it leaves open.
CREATE POLICY bench_riep_read ON observation FOR SELECT TO bench_riep
  USING (
  superseded_at IS NULL AND (
    (status = 'final' AND (authority_id, source_id) IN (
      SELECT l.authority_id, l.source_id FROM bench_rls.riep_lines() l
      WHERE l.theme_code IS NULL))
    OR (status = 'provisional' AND (authority_id, source_id) IN (
      SELECT l.authority_id, l.source_id FROM bench_rls.riep_lines() l
      WHERE l.theme_code IS NULL AND l.include_provisional))
    OR (status = 'final' AND (authority_id,
        (SELECT i.theme_code FROM indicator i WHERE i.id = observation.indicator_id)) IN (
      SELECT l.authority_id, l.theme_code FROM bench_rls.riep_lines() l
      WHERE l.source_id IS NULL))
    OR (status = 'provisional' AND (authority_id,
        (SELECT i.theme_code FROM indicator i WHERE i.id = observation.indicator_id)) IN (
      SELECT l.authority_id, l.theme_code FROM bench_rls.riep_lines() l
      WHERE l.source_id IS NULL AND l.include_provisional))
    OR (status = 'final' AND (authority_id, source_id,
        (SELECT i.theme_code FROM indicator i WHERE i.id = observation.indicator_id)) IN (
      SELECT l.authority_id, l.source_id, l.theme_code FROM bench_rls.riep_lines() l
      WHERE l.source_id IS NOT NULL AND l.theme_code IS NOT NULL))
    OR (status = 'provisional' AND (authority_id, source_id,
        (SELECT i.theme_code FROM indicator i WHERE i.id = observation.indicator_id)) IN (
      SELECT l.authority_id, l.source_id, l.theme_code FROM bench_rls.riep_lines() l
      WHERE l.source_id IS NOT NULL AND l.theme_code IS NOT NULL AND l.include_provisional))
  )
  );

-- The panel's filter (indicator codes, a period range) as a computed field of Authority, since
-- PostGraphile's conditions are equality only. SECURITY INVOKER: the policy above still applies.
CREATE OR REPLACE FUNCTION authority_panel(a authority, codes text[], period_from date, period_to date)
RETURNS SETOF observation LANGUAGE sql STABLE AS $$
  SELECT o.* FROM observation o
  WHERE o.authority_id = a.id
    AND o.indicator_id IN (SELECT i.id FROM indicator i WHERE i.code = ANY (codes))
    AND o.period_start BETWEEN period_from AND period_to
  ORDER BY o.id
$$;
GRANT EXECUTE ON FUNCTION authority_panel(authority, text[], date, date) TO bench_riep;
