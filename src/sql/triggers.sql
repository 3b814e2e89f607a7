-- Triggers: JSON descriptors of when a job runs (see docs/triggers.md).
CREATE OR REPLACE FUNCTION cadence.every(period interval, anchor timestamptz DEFAULT NULL) RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_every';
COMMENT ON FUNCTION cadence.every(interval, timestamptz) IS
    'interval trigger: ticks at anchor + k * period (anchor defaults to the job''s creation)';

CREATE OR REPLACE FUNCTION cadence.cron(expr text, timezone text DEFAULT 'UTC') RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_cron';
COMMENT ON FUNCTION cadence.cron(text, text) IS
    'cron trigger: 5 or 6 fields or a macro, evaluated in an IANA time zone';

CREATE OR REPLACE FUNCTION cadence.once(at timestamptz DEFAULT now()) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_once';
COMMENT ON FUNCTION cadence.once(timestamptz) IS 'one-shot trigger at the given time';

CREATE OR REPLACE FUNCTION cadence.validate_trigger(trigger jsonb) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_validate_trigger';
COMMENT ON FUNCTION cadence.validate_trigger(jsonb) IS
    'the normalised trigger descriptor, or an error (22023) saying what is wrong';

CREATE OR REPLACE FUNCTION cadence.next_fire_times(trigger jsonb, after timestamptz DEFAULT now(),
                                        count int DEFAULT 5)
    RETURNS SETOF timestamptz
    LANGUAGE c STABLE STRICT PARALLEL SAFE ROWS 5
    AS 'MODULE_PATHNAME', 'cadence_next_fire_times';
COMMENT ON FUNCTION cadence.next_fire_times(jsonb, timestamptz, int) IS
    'the next fire times strictly after "after" (an interval without anchor is anchored there)';
