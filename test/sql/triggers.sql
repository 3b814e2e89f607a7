-- Trigger descriptors: building, validating and evaluating them from SQL.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- The three builders and their descriptors.
SELECT cadence.once('2026-12-24 18:00:00+01');
SELECT cadence.every('90 seconds');
SELECT cadence.every('1 day 02:00:00.25', '2026-11-24 09:00:00+01');
SELECT cadence.every(NULL);
SELECT cadence.cron('0 9 * * MON-FRI', 'Europe/Berlin');
SELECT cadence.cron('@hourly');
SELECT cadence.cron('*/10 * * * * *');

-- validate_trigger normalises what it accepts.
SELECT cadence.validate_trigger('{"kind": "cron", "expr": "  0   9 * * *"}');
SELECT cadence.validate_trigger('{"kind": "interval", "period_seconds": 30,
                                  "anchor": "2026-11-24T10:00:00+02:00"}');
SELECT cadence.validate_trigger('{"kind": "once", "at": "2026-11-24T10:00:00.5Z"}');
SELECT cadence.validate_trigger(cadence.cron('0 0 L 2 *', 'Australia/Sydney'))
     = cadence.cron('0 0 L 2 *', 'Australia/Sydney') AS builders_are_normalised;

-- Bad input: SQLSTATE 22023 and a message naming the offending part.
SELECT s.stmt, e.code, e.message
FROM (VALUES
    ($$SELECT cadence.cron('61 * * * *')$$),
    ($$SELECT cadence.cron('* 24 * * *')$$),
    ($$SELECT cadence.cron('0 0 30 2 *')$$),
    ($$SELECT cadence.cron('* * * * FRIDAY')$$),
    ($$SELECT cadence.cron('* * *')$$),
    ($$SELECT cadence.cron('@reboot')$$),
    ($$SELECT cadence.cron('* * * * *', 'Mars/Olympus')$$),
    ($$SELECT cadence.every('0 seconds')$$),
    ($$SELECT cadence.every('-5 minutes')$$),
    ($$SELECT cadence.every('0.5 seconds')$$),
    ($$SELECT cadence.every('1 month')$$),
    ($$SELECT cadence.every('1 hour', 'infinity')$$),
    ($$SELECT cadence.once('-infinity')$$),
    ($$SELECT cadence.once('10000-01-01Z')$$),
    ($$SELECT cadence.validate_trigger('{"kind": "once", "at": "418326-12-24T18:00:00Z"}')$$),
    ($$SELECT cadence.validate_trigger('[1, 2]')$$),
    ($$SELECT cadence.validate_trigger('{"expr": "* * * * *"}')$$),
    ($$SELECT cadence.validate_trigger('{"kind": "hourly"}')$$),
    ($$SELECT cadence.validate_trigger('{"kind": "cron", "expr": "* * * * *", "tz": "UTC"}')$$),
    ($$SELECT cadence.validate_trigger('{"kind": "interval", "period_seconds": "60"}')$$),
    ($$SELECT cadence.validate_trigger('{"kind": "once", "at": "next tuesday"}')$$),
    ($$SELECT cadence.next_fire_times(cadence.cron('@daily'), now(), -1)$$),
    ($$SELECT cadence.next_fire_times(cadence.cron('@daily'), now(), 1000000)$$)
) AS s(stmt), LATERAL error_of(s.stmt) AS e;
SELECT * FROM error_of($$SELECT cadence.every('1 year')$$);

-- next_fire_times: strictly after `after`, in order.
SELECT * FROM cadence.next_fire_times(cadence.cron('*/15 * * * *'), '2026-11-24 10:15:00Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.cron('*/20 * * * * *'), '2026-11-24 10:00:50Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.cron('0 0 29 2 *'), '2026-11-24Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.cron('0 0 L 2 *'), '2026-01-01Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.cron('0 0 * * 5#5'), '2026-01-01Z', 4);
-- An interval without an anchor is anchored at `after`; with one, ticks stay on its grid.
SELECT * FROM cadence.next_fire_times(cadence.every('90 seconds'), '2026-11-24 10:00:00.5Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.every('90 seconds', '2026-11-24 09:00Z'),
                                      '2026-11-24 10:00:00Z', 3);
SELECT * FROM cadence.next_fire_times(cadence.every('1 day', '2026-12-01 06:00Z'),
                                      '2026-11-24 10:00:00Z', 2);
-- A one-shot trigger fires once, and not at all once its time has passed.
SELECT * FROM cadence.next_fire_times(cadence.once('2026-12-24 18:00Z'), '2026-11-24Z');
SELECT count(*) FROM cadence.next_fire_times(cadence.once('2026-12-24 18:00Z'), '2026-12-25Z');
SELECT count(*) FROM cadence.next_fire_times(cadence.cron('@daily'), now(), 0);
-- Nothing is listed past the year 9999.
SELECT * FROM cadence.next_fire_times(cadence.every('100 days'), '9999-06-01Z', 5);

-- Against PostgreSQL's own time zone conversions: a daily 09:00 cron fires at
-- 09:00 local on 400 consecutive days, exactly where PostgreSQL puts 09:00 local.
SELECT z AS zone,
       (SELECT array_agg(f) FROM cadence.next_fire_times(cadence.cron('0 9 * * *', z),
                                   '2026-01-01 00:00'::timestamp AT TIME ZONE z, 400) f)
     = (SELECT array_agg((d::date + time '09:00') AT TIME ZONE z ORDER BY d)
        FROM generate_series(date '2026-01-01', date '2026-01-01' + 399, '1 day') d)
       AS same_as_at_time_zone
FROM unnest(ARRAY['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe',
                  'Australia/Sydney', 'Asia/Kolkata', 'America/St_Johns']) z;

-- An hourly cron fires on every real hour, through both transitions of 2026: in a
-- zone with whole-hour offsets that is exactly PostgreSQL's hourly series.
SELECT z AS zone,
       (SELECT array_agg(f) FROM cadence.next_fire_times(cadence.cron('0 * * * *', z),
                                   '2026-01-01Z', 8760) f)
     = (SELECT array_agg(t) FROM generate_series(timestamptz '2026-01-01 01:00Z',
                                                 timestamptz '2026-12-31 24:00Z', '1 hour') t)
       AS same_as_hourly_series
FROM unnest(ARRAY['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney']) z;

-- Daylight saving, shown in local time. New York springs forward 02:00 -> 03:00 on
-- 2026-03-08: 02:30 does not exist and fires at 03:00 (PostgreSQL itself reads a
-- nonexistent 02:30 as 03:30; our rule is the first instant after the gap).
SELECT f AT TIME ZONE 'America/New_York' AS new_york,
       ('2026-03-08 02:30'::timestamp AT TIME ZONE 'America/New_York')
           AT TIME ZONE 'America/New_York' AS postgres_reading_of_0230
FROM cadence.next_fire_times(cadence.cron('30 2 * * *', 'America/New_York'),
                             '2026-03-06 12:00Z', 3) f;
-- New York falls back 02:00 -> 01:00 on 2026-11-01: a fixed hour fires once, an
-- hour of * on both occurrences.
SELECT f, f AT TIME ZONE 'America/New_York' AS new_york
FROM cadence.next_fire_times(cadence.cron('30 1 * * *', 'America/New_York'),
                             '2026-10-31 12:00Z', 2) f;
SELECT f, f AT TIME ZONE 'America/New_York' AS new_york
FROM cadence.next_fire_times(cadence.cron('30 * * * *', 'America/New_York'),
                             '2026-11-01 04:00Z', 4) f;
-- Lord Howe shifts by 30 minutes (02:00 -> 02:30 on 2026-10-04).
SELECT f, f AT TIME ZONE 'Australia/Lord_Howe' AS lord_howe
FROM cadence.next_fire_times(cadence.cron('15 2 * * *', 'Australia/Lord_Howe'),
                             '2026-10-03 12:00Z', 2) f;
-- Berlin falls back 03:00 -> 02:00 on 2026-10-25.
SELECT f, f AT TIME ZONE 'Europe/Berlin' AS berlin
FROM cadence.next_fire_times(cadence.cron('30 * * * *', 'Europe/Berlin'),
                             '2026-10-25 00:00Z', 3) f;
