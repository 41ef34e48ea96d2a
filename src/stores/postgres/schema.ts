import type { TableName } from './table-name.js';

/**
 * Written as the table's comment once the table and its functions are in place. A migration
 * that finds it (and the functions) does nothing; bump it whenever the SQL below changes.
 */
export const schemaVersion = 'breakwater postgres store, schema 1';

/** The first key of the advisory lock that serialises migrations; the second is the table's. */
const migrationLockKey = 0x62776174;

/** Epoch milliseconds by the database's clock, read at the moment it is evaluated. */
const nowMs = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::float8';

/**
 * Breaker state is soft: losing the last moments of it in a database crash costs at most a
 * repeated transition, while waiting for the WAL flush would multiply the cost of every write.
 * So the admit and record functions commit asynchronously (for their own transaction only);
 * operators' locks, written by plain statements, still commit durably.
 */
const asyncCommit = "set_config('synchronous_commit', 'off', true)";

/**
 * Each function waits at most this long for a row lock, so a statement the client gave up on
 * never lingers on the server.
 */
const lockTimeout = '2s';

/** The SQL a {@link PostgresRawStore} sends, with the table's names filled in. */
export interface StoreSql {
  /** Creates the table and functions if they are missing or older, then prunes. */
  readonly migrate: string;
  readonly admit: string;
  readonly record: string;
  readonly flush: string;
  readonly snapshot: string;
  readonly names: string;
  readonly lock: string;
  readonly unlock: string;
  readonly prune: string;
}

/** Builds every statement for one table. */
export function storeSql(name: TableName): StoreSql {
  const t = name.table;
  const record = name.fn('record');
  const prune = name.fn('prune');
  return Object.freeze({
    migrate: `${migration(name)};\nSELECT ${prune}() AS pruned;`,
    admit: `SELECT ${name.fn('admit')}($1, $2::jsonb) AS r`,
    record: `SELECT ${record}($1, $2::jsonb, $3, $4, $5, $6::jsonb, $7) AS r`,
    flush:
      `SELECT ${record}(f.name, f.settings::jsonb, 'flush', false, NULL, NULL, f.count) ` +
      'FROM unnest($1::text[], $2::text[], $3::integer[]) AS f(name, settings, count)',
    snapshot: `SELECT ${name.fn('snapshot')}($1) AS r`,
    names: `SELECT name FROM ${t}`,
    lock:
      `INSERT INTO ${t} AS b (name, locked) VALUES ($1, $2) ` +
      'ON CONFLICT (name) DO UPDATE SET locked = EXCLUDED.locked, used_at = clock_timestamp()',
    unlock: `UPDATE ${t} AS b SET locked = NULL, used_at = clock_timestamp() WHERE b.name = $1`,
    prune: `SELECT ${prune}() AS r`,
  });
}

/**
 * One DO block: if the table's comment and functions show the current schema, it returns at
 * once; otherwise it takes a transaction-scoped advisory lock (so processes starting together
 * migrate one at a time), checks again, and creates or replaces everything.
 */
function migration(name: TableName): string {
  const current =
    `obj_description(to_regclass('${name.table}'), 'pg_class') = '${schemaVersion}'` +
    signatures(name)
      .map((signature) => ` AND to_regprocedure('${signature}') IS NOT NULL`)
      .join('');

  return `DO $breakwater$
BEGIN
  IF ${current} THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(${migrationLockKey}, hashtext('${name.table}'));
  IF ${current} THEN RETURN; END IF;

${[tableSql, pruneSql, admitSql, recordSql, snapshotSql].map((sql) => sql(name)).join(';\n\n')};

  COMMENT ON TABLE ${name.table} IS '${schemaVersion}';
END
$breakwater$`;
}

/** The functions the migration makes, with their argument types. */
function signatures(name: TableName): string[] {
  return [
    `${name.fn('admit')}(text, jsonb)`,
    `${name.fn('record')}(text, jsonb, text, boolean, text, jsonb, integer)`,
    `${name.fn('snapshot')}(text)`,
    `${name.fn('prune')}()`,
  ];
}

/**
 * One row per breaker. Only the primary key is indexed and it never changes, so with room left
 * on each page (fillfactor) updates stay heap-only and the table barely bloats.
 */
function tableSql(name: TableName): string {
  return `CREATE TABLE IF NOT EXISTS ${name.table} (
    name text PRIMARY KEY,
    state text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half-open')),
    locked text CHECK (locked IN ('open', 'closed')),
    failures integer NOT NULL DEFAULT 0,
    failure_times float8[],
    rate_index bigint[],
    rate_calls integer[],
    rate_failures integer[],
    retry_at float8 NOT NULL DEFAULT 0,
    successes integer NOT NULL DEFAULT 0,
    lease_ids text[],
    lease_expires float8[],
    last_error jsonb,
    changed_at float8,
    settings jsonb,
    used_at timestamptz NOT NULL DEFAULT clock_timestamp()
  ) WITH (fillfactor = 70)`;
}

/**
 * Deletes rows unused for a day past their longest duration, unless locked. Rows a caller holds
 * are skipped rather than waited for.
 */
function pruneSql(name: TableName): string {
  const t = name.table;
  return `CREATE OR REPLACE FUNCTION ${name.fn('prune')}() RETURNS integer
  LANGUAGE plpgsql AS $fn$
  DECLARE
    v_count integer;
  BEGIN
    DELETE FROM ${t} AS b WHERE b.name IN (
      SELECT s.name FROM ${t} AS s
      WHERE s.locked IS NULL
        AND s.used_at < clock_timestamp() - interval '24 hours' - make_interval(secs => greatest(
          coalesce((s.settings->>'coolOff')::float8, 0),
          coalesce((s.settings->>'window')::float8, 0),
          coalesce((s.settings->>'probeTimeout')::float8, 0)) / 1000)
      LIMIT 1000
      FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
  END
  $fn$`;
}

/**
 * May this call go? Reads the row without a lock when the answer changes nothing (closed, locked,
 * open before its cool-off ends, half-open with every probe slot taken), so the common paths
 * never queue behind each other. Otherwise it locks the row, reads the clock again, and moves
 * open -> half-open and claims a probe lease in the same step. It writes only what changed.
 */
function admitSql(name: TableName): string {
  const t = name.table;
  return `CREATE OR REPLACE FUNCTION ${name.fn('admit')}(p_name text, p_settings jsonb)
  RETURNS jsonb LANGUAGE plpgsql SET lock_timeout = '${lockTimeout}' AS $fn$
  DECLARE
    r ${t}%ROWTYPE;
    v_now float8 := ${nowMs};
    v_probes integer := (p_settings->>'probes')::integer;
    v_held boolean := false;
    v_changed boolean := false;
    v_transition jsonb;
    v_ids text[];
    v_expires float8[];
    v_lease text;
    v_answer jsonb;
  BEGIN
    SELECT * INTO r FROM ${t} AS b WHERE b.name = p_name;
    IF NOT FOUND THEN
      PERFORM ${asyncCommit};
      PERFORM ${name.fn('prune')}();
      INSERT INTO ${t} AS b (name, settings) VALUES (p_name, p_settings)
        ON CONFLICT (name) DO NOTHING;
      v_held := true;
    ELSIF r.locked IS NULL AND (
      (r.state = 'open' AND v_now >= r.retry_at)
      OR (r.state = 'half-open'
        AND (SELECT count(*) FROM unnest(r.lease_expires) AS x WHERE x > v_now) < v_probes)) THEN
      v_held := true;
    END IF;

    IF v_held THEN
      SELECT * INTO r FROM ${t} AS b WHERE b.name = p_name FOR UPDATE;
      v_now := ${nowMs};
    END IF;

    IF r.locked = 'open' THEN
      v_answer := '{"state": "open", "admitted": false, "probe": false, "locked": "open",
        "recordSuccess": false}';
    ELSIF r.locked = 'closed' THEN
      v_answer := '{"state": "closed", "admitted": true, "probe": false, "locked": "closed",
        "recordSuccess": true}';
    ELSIF r.state = 'closed' THEN
      v_answer := jsonb_build_object('state', 'closed', 'admitted', true, 'probe', false,
        'recordSuccess', coalesce((p_settings->>'errorRate')::float8, 0) > 0
          OR r.failures > 0 OR r.failure_times IS NOT NULL);
    ELSIF r.state = 'open' AND v_now < r.retry_at THEN
      v_answer := jsonb_build_object('state', 'open', 'admitted', false, 'probe', false,
        'retryAt', r.retry_at, 'left', r.retry_at - v_now, 'recordSuccess', false);
    ELSE
      -- Half-open, or open past its cool-off. Without the row lock (see v_held) every probe slot
      -- was taken, so this only refuses; with it, it may move the state and claim a slot.
      IF r.state = 'open' THEN
        r.state := 'half-open';
        r.successes := 0;
        r.lease_ids := NULL;
        r.lease_expires := NULL;
        r.changed_at := v_now;
        v_transition := jsonb_build_object('from', 'open', 'to', 'half-open', 'at', v_now);
        v_changed := true;
      END IF;

      SELECT coalesce(array_agg(l.id ORDER BY l.i), '{}'),
             coalesce(array_agg(l.e ORDER BY l.i), '{}')
        INTO v_ids, v_expires
        FROM unnest(coalesce(r.lease_ids, '{}'::text[]), coalesce(r.lease_expires, '{}'::float8[]))
          WITH ORDINALITY AS l(id, e, i)
        WHERE l.e > v_now;
      IF cardinality(v_ids) >= v_probes OR NOT v_held THEN
        v_answer := jsonb_build_object('state', 'half-open', 'admitted', false, 'probe', false,
          'retryAt', (SELECT min(x) FROM unnest(v_expires) AS x), 'recordSuccess', false);
      ELSE
        v_lease := gen_random_uuid()::text;
        v_ids := v_ids || v_lease;
        v_expires := v_expires || (v_now + (p_settings->>'probeTimeout')::float8);
        v_answer := jsonb_build_object('state', 'half-open', 'admitted', true, 'probe', true,
          'lease', v_lease, 'recordSuccess', true);
        v_changed := true;
      END IF;

      v_changed := v_changed OR cardinality(v_ids) <> coalesce(cardinality(r.lease_ids), 0);
      r.lease_ids := v_ids;
      r.lease_expires := v_expires;
      IF v_transition IS NOT NULL THEN
        v_answer := v_answer || jsonb_build_object('transition', v_transition);
      END IF;
    END IF;

    IF v_held AND v_changed THEN
      PERFORM ${asyncCommit};
      UPDATE ${t} AS b SET state = r.state, successes = r.successes, lease_ids = r.lease_ids,
        lease_expires = r.lease_expires, changed_at = r.changed_at, settings = p_settings,
        used_at = clock_timestamp()
      WHERE b.name = p_name;
    ELSIF r.settings IS DISTINCT FROM p_settings
      OR r.used_at < clock_timestamp() - interval '1 hour' THEN
      PERFORM ${asyncCommit};
      UPDATE ${t} AS b SET settings = p_settings, used_at = clock_timestamp()
      WHERE b.name = p_name;
    END IF;

    RETURN v_answer;
  END
  $fn$`;
}

/**
 * How did it go? Always under the row lock. `p_flushed` successes counted in the caller's memory
 * (error-rate rule, closed breaker) are added first; `p_kind` 'flush' adds only those.
 */
function recordSql(name: TableName): string {
  const t = name.table;
  return `CREATE OR REPLACE FUNCTION ${name.fn('record')}(p_name text, p_settings jsonb,
    p_kind text, p_probe boolean, p_lease text, p_error jsonb, p_flushed integer)
  RETURNS jsonb LANGUAGE plpgsql SET lock_timeout = '${lockTimeout}' AS $fn$
  DECLARE
    r ${t}%ROWTYPE;
    v_now float8;
    v_rate float8 := coalesce((p_settings->>'errorRate')::float8, 0);
    v_window float8 := coalesce((p_settings->>'window')::float8, 0);
    v_threshold integer := (p_settings->>'threshold')::integer;
    v_failed boolean := p_kind = 'failure';
    v_calls integer := 0;
    v_rate_failure boolean := false;
    v_trips boolean := false;
    v_position integer;
    v_index bigint;
    v_slot integer;
    v_sum_calls integer;
    v_sum_failures integer;
    v_transition jsonb;
  BEGIN
    PERFORM ${asyncCommit};
    SELECT * INTO r FROM ${t} AS b WHERE b.name = p_name FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO ${t} AS b (name, settings) VALUES (p_name, p_settings)
        ON CONFLICT (name) DO NOTHING;
      SELECT * INTO r FROM ${t} AS b WHERE b.name = p_name FOR UPDATE;
    END IF;

    v_now := ${nowMs};
    IF r.state = 'closed' AND v_rate > 0 THEN
      v_calls := coalesce(p_flushed, 0);
    END IF;

    IF p_kind = 'cancel' AND p_probe AND p_lease IS NOT NULL THEN
      v_position := array_position(r.lease_ids, p_lease);
      IF v_position IS NOT NULL THEN
        r.lease_ids := r.lease_ids[1:v_position - 1] || r.lease_ids[v_position + 1:];
        r.lease_expires := r.lease_expires[1:v_position - 1] || r.lease_expires[v_position + 1:];
      END IF;
    ELSIF p_kind IN ('success', 'failure') THEN
      IF v_failed AND p_error IS NOT NULL THEN
        r.last_error := p_error;
      END IF;

      IF r.state = 'closed' THEN
        IF v_rate > 0 THEN
          v_calls := v_calls + 1;
          v_rate_failure := v_failed;
        ELSIF NOT v_failed THEN
          r.failures := 0;
          r.failure_times := NULL;
          r.rate_index := NULL;
          r.rate_calls := NULL;
          r.rate_failures := NULL;
        ELSIF v_window > 0 THEN
          r.failure_times := ARRAY(
            SELECT u.x FROM unnest(coalesce(r.failure_times, '{}'::float8[]))
              WITH ORDINALITY AS u(x, i)
            WHERE u.x > v_now - v_window ORDER BY u.i) || v_now;
          IF cardinality(r.failure_times) > v_threshold THEN
            r.failure_times := r.failure_times[2:];
          END IF;

          r.failures := 0;
          v_trips := cardinality(r.failure_times) >= v_threshold;
        ELSE
          r.failure_times := NULL;
          r.failures := r.failures + 1;
          v_trips := r.failures >= v_threshold;
        END IF;
      ELSIF r.state = 'half-open' AND r.locked IS NULL AND p_probe AND p_lease IS NOT NULL THEN
        v_position := array_position(r.lease_ids, p_lease);
        IF v_position IS NOT NULL THEN
          r.lease_ids := r.lease_ids[1:v_position - 1] || r.lease_ids[v_position + 1:];
          r.lease_expires := r.lease_expires[1:v_position - 1] || r.lease_expires[v_position + 1:];
          IF v_failed THEN
            v_trips := true;
          ELSE
            r.successes := r.successes + 1;
            IF r.successes >= (p_settings->>'recoveryThreshold')::integer THEN
              r.state := 'closed';
              r.retry_at := 0;
              r.changed_at := v_now;
              r.successes := 0;
              r.lease_ids := NULL;
              r.lease_expires := NULL;
              v_transition := jsonb_build_object('from', 'half-open', 'to', 'closed', 'at', v_now);
            END IF;
          END IF;
        END IF;
      END IF;
    END IF;

    IF v_calls > 0 THEN
      r.failures := 0;
      r.failure_times := NULL;
      v_index := floor(v_now / CASE WHEN v_window > 0 THEN v_window / 10 ELSE 'Infinity' END);
      v_slot := (v_index % 10)::integer + 1;
      IF r.rate_index IS NULL THEN
        r.rate_index := array_fill(-1::bigint, ARRAY[10]);
        r.rate_calls := array_fill(0, ARRAY[10]);
        r.rate_failures := array_fill(0, ARRAY[10]);
      END IF;

      IF r.rate_index[v_slot] <> v_index THEN
        r.rate_index[v_slot] := v_index;
        r.rate_calls[v_slot] := 0;
        r.rate_failures[v_slot] := 0;
      END IF;

      r.rate_calls[v_slot] := r.rate_calls[v_slot] + v_calls;
      IF v_rate_failure THEN
        r.rate_failures[v_slot] := r.rate_failures[v_slot] + 1;
      END IF;

      SELECT coalesce(sum(w.c), 0), coalesce(sum(w.f), 0) INTO v_sum_calls, v_sum_failures
        FROM unnest(r.rate_index, r.rate_calls, r.rate_failures) AS w(i, c, f)
        WHERE w.i > v_index - 10;
      v_trips := v_rate_failure AND v_sum_calls >= (p_settings->>'minimumCalls')::integer
        AND v_sum_failures >= v_rate * v_sum_calls;
    END IF;

    IF v_trips AND r.locked IS NULL THEN
      v_transition := jsonb_build_object('from', r.state, 'to', 'open', 'at', v_now);
      r.state := 'open';
      r.retry_at := v_now + (p_settings->>'coolOff')::float8;
      r.changed_at := v_now;
      r.failures := 0;
      r.failure_times := NULL;
      r.rate_index := NULL;
      r.rate_calls := NULL;
      r.rate_failures := NULL;
      r.successes := 0;
      r.lease_ids := NULL;
      r.lease_expires := NULL;
    END IF;

    UPDATE ${t} AS b SET state = r.state, failures = r.failures, failure_times = r.failure_times,
      rate_index = r.rate_index, rate_calls = r.rate_calls, rate_failures = r.rate_failures,
      retry_at = r.retry_at, successes = r.successes, lease_ids = r.lease_ids,
      lease_expires = r.lease_expires, last_error = r.last_error, changed_at = r.changed_at,
      used_at = clock_timestamp()
    WHERE b.name = p_name;

    RETURN v_transition;
  END
  $fn$`;
}

/** What the store knows of one breaker, evaluated against the database's clock. */
function snapshotSql(name: TableName): string {
  const t = name.table;
  return `CREATE OR REPLACE FUNCTION ${name.fn('snapshot')}(p_name text) RETURNS jsonb
  LANGUAGE plpgsql AS $fn$
  DECLARE
    r ${t}%ROWTYPE;
    v_now float8 := ${nowMs};
    v_window float8;
    v_rule text;
    v_failures integer;
    v_calls integer := 0;
    v_index bigint;
  BEGIN
    SELECT * INTO r FROM ${t} AS b WHERE b.name = p_name;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;

    v_rule := CASE WHEN r.state = 'open' AND v_now >= r.retry_at THEN 'half-open' ELSE r.state END;
    v_failures := r.failures;
    v_window := coalesce((r.settings->>'window')::float8, 0);
    IF r.rate_index IS NOT NULL AND r.settings IS NOT NULL THEN
      v_index := floor(v_now / CASE WHEN v_window > 0 THEN v_window / 10 ELSE 'Infinity' END);
      SELECT coalesce(sum(w.c), 0), coalesce(sum(w.f), 0) INTO v_calls, v_failures
        FROM unnest(r.rate_index, r.rate_calls, r.rate_failures) AS w(i, c, f)
        WHERE w.i > v_index - 10;
    ELSIF r.failure_times IS NOT NULL AND r.settings IS NOT NULL THEN
      SELECT count(*) INTO v_failures FROM unnest(r.failure_times) AS x WHERE x > v_now - v_window;
    END IF;

    RETURN jsonb_build_object('name', r.name, 'state', coalesce(r.locked, v_rule),
      'ruleState', v_rule, 'locked', r.locked, 'failures', v_failures, 'calls', v_calls,
      'lastError', r.last_error,
      'retryAt', CASE WHEN r.state = 'closed' THEN NULL ELSE r.retry_at END,
      'changedAt', r.changed_at, 'settings', r.settings);
  END
  $fn$`;
}
