-- The product's sessionizer: the application a new stack deploys (sql/applications.ts, "product").
-- It keeps the lab's rule, a new session after a gap of more than 10 s between two of a user's
-- clicks, and fixes what the lab's SQL (sql/sessionize.sql) cannot carry into production:
-- * session_id is the user and the session start's full UTC time, so it is unique across days;
-- * user_id holds 256 characters and device_type 64 (the lab's 7 and 10 dead-letter UUIDs);
-- * each row carries the session's user, device and start time, stored as the item's attributes;
-- * a click without user_id or event_timestamp gives a row without session_id, which the delivery
--   dead-letters (the lab's SQL drops such clicks without a trace).

CREATE OR REPLACE STREAM "CLICK_GAP_STREAM" (
    "user_id" VARCHAR(256),
    "device_type" VARCHAR(64),
    "event_timestamp" BIGINT,
    "gap_ms" BIGINT
);

CREATE OR REPLACE PUMP "GAP_PUMP" AS INSERT INTO "CLICK_GAP_STREAM"
SELECT STREAM
    "user_id",
    "device_type",
    "event_timestamp",
    "event_timestamp" - LAG("event_timestamp", 1) OVER (PARTITION BY "user_id" ROWS 1 PRECEDING)
        AS "gap_ms"
FROM "SOURCE_SQL_STREAM_001";

CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
    "session_id" VARCHAR(300),
    "user_id" VARCHAR(256),
    "device_type" VARCHAR(64),
    "session_start" VARCHAR(24),
    "session_start_ms" BIGINT
);

CREATE OR REPLACE PUMP "SESSION_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM
    "user_id" || '_' ||
        TIMESTAMP_TO_CHAR('yyyy-MM-dd''T''HH:mm:ss.SSS''Z''', TO_TIMESTAMP("event_timestamp"))
        AS "session_id",
    "user_id",
    "device_type",
    TIMESTAMP_TO_CHAR('yyyy-MM-dd''T''HH:mm:ss.SSS''Z''', TO_TIMESTAMP("event_timestamp"))
        AS "session_start",
    "event_timestamp" AS "session_start_ms"
FROM "CLICK_GAP_STREAM"
WHERE "user_id" IS NULL OR "event_timestamp" IS NULL OR "gap_ms" IS NULL OR "gap_ms" > 10000;
