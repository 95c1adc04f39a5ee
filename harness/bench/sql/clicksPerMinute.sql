-- The bench's RANGE scenario (docs/benchmarks.md): for every click, the user's clicks and mobile
-- clicks in the minute up to it, a sliding window over ROWTIME as KDA applications commonly write.
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
    "user_id" VARCHAR(7),
    "event_time" VARCHAR(20),
    "clicks_last_minute" BIGINT,
    "mobile_clicks_last_minute" BIGINT
);

CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM
    "user_id",
    TIMESTAMP_TO_CHAR('HH:mm:ss', "SOURCE_SQL_STREAM_001".ROWTIME) AS "event_time",
    COUNT(*) OVER (PARTITION BY "user_id" RANGE INTERVAL '1' MINUTE PRECEDING) AS "clicks_last_minute",
    SUM(CASE WHEN "device_type" = 'mobile' THEN 1 ELSE 0 END)
        OVER (PARTITION BY "user_id" RANGE INTERVAL '1' MINUTE PRECEDING) AS "mobile_clicks_last_minute"
FROM "SOURCE_SQL_STREAM_001";
