CREATE OR REPLACE STREAM "INTERMEDIATE_SQL_STREAM"
(
    "event_timestamp" TIMESTAMP,
    "user_id" VARCHAR(7),
    "device_type" VARCHAR(10),
    "session_timestamp" TIMESTAMP
);


CREATE OR REPLACE  PUMP "STREAM_PUMP1" AS INSERT INTO "INTERMEDIATE_SQL_STREAM"
SELECT  STREAM
    TO_TIMESTAMP("event_timestamp") as "event_timestamp",
    "user_id",
    "device_type",
    CASE WHEN ("event_timestamp" - lag("event_timestamp", 1) OVER (PARTITION BY "user_id" ROWS 1 PRECEDING)) > (10 * 1000) THEN 
            TO_TIMESTAMP("event_timestamp")
         WHEN ("event_timestamp" - lag("event_timestamp", 1) OVER (PARTITION BY "user_id" ROWS 1 PRECEDING)) IS NULL THEN 
            TO_TIMESTAMP("event_timestamp")
         ELSE NULL 
    END AS "session_timestamp"
FROM "SOURCE_SQL_STREAM_001";

CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
    "user_id" CHAR(7),
    "session_id" VARCHAR(50),
    "session_time" VARCHAR(20),
    "latest_time" VARCHAR(20)
);


CREATE OR REPLACE  PUMP "STREAM_PUMP2" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM
    "user_id",
    "user_id"||'_'||"device_type"||'_'||TIMESTAMP_TO_CHAR('HH:mm:ss', LAST_VALUE("session_timestamp") IGNORE NULLS OVER 
        (PARTITION BY "user_id" RANGE INTERVAL '24' HOUR PRECEDING)) AS "session_id",
    TIMESTAMP_TO_CHAR('HH:mm:ss', "session_timestamp") AS "session_time",
    TIMESTAMP_TO_CHAR('HH:mm:ss', "event_timestamp") AS "latest_time"
FROM "INTERMEDIATE_SQL_STREAM"
WHERE "session_timestamp" IS NOT NULL;
