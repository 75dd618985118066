-- DropTable
DROP TABLE "product_usage_workspace_days";

-- DropTable
DROP TABLE "product_usage_workspace_hours";

-- CreateTable
CREATE TABLE "product_usage_daily_counts" (
    "day" DATE NOT NULL,
    "event_name" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL,
    "event_count" INTEGER NOT NULL,
    "last_occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_usage_daily_counts_pkey" PRIMARY KEY ("day","event_name","shard")
);


-- Backfill: the daily counts of the rows already in the ledger, from the (exact) hourly counts.
INSERT INTO "product_usage_daily_counts" ("day", "event_name", "shard", "event_count", "last_occurred_at")
SELECT ("bucket_start" AT TIME ZONE 'UTC')::date, "event_name", "shard", sum("event_count"), max("last_occurred_at")
  FROM "product_usage_hourly_counts"
 GROUP BY 1, 2, 3;

-- The recorder's write, one round trip inside the source action's transaction. The EXCEPTION block
-- runs the body in a subtransaction (a savepoint): any failure rolls back the ledger row and its
-- rollups only, and is reported as 'failed:<SQLSTATE>' so the source action still commits.
-- Rollup buckets and the shard come from the caller (server/telemetry/buckets.ts), so recorder,
-- summary and prune share one definition of them.
CREATE FUNCTION "product_usage_record"(
    p_id UUID, p_workspace_id UUID, p_tenant_id UUID, p_event_name TEXT, p_feature_area TEXT,
    p_actor_user_id UUID, p_subject_type TEXT, p_subject_id UUID, p_occurred_at TIMESTAMPTZ,
    p_metadata JSONB, p_event_key TEXT, p_hour TIMESTAMPTZ, p_day DATE, p_shard SMALLINT
) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "product_usage_events"
        ("id", "workspace_id", "tenant_id", "event_name", "feature_area", "actor_user_id", "subject_type",
         "subject_id", "occurred_at", "metadata", "event_key")
    VALUES (p_id, p_workspace_id, p_tenant_id, p_event_name, p_feature_area, p_actor_user_id, p_subject_type,
            p_subject_id, p_occurred_at, p_metadata, p_event_key)
    ON CONFLICT ("event_key") DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'duplicate';
    END IF;
    INSERT INTO "product_usage_hourly_counts" AS c ("bucket_start", "event_name", "shard", "event_count", "last_occurred_at")
    VALUES (p_hour, p_event_name, p_shard, 1, p_occurred_at)
    ON CONFLICT ("bucket_start", "event_name", "shard") DO UPDATE
        SET "event_count" = c."event_count" + 1,
            "last_occurred_at" = GREATEST(c."last_occurred_at", EXCLUDED."last_occurred_at");
    INSERT INTO "product_usage_daily_counts" AS c ("day", "event_name", "shard", "event_count", "last_occurred_at")
    VALUES (p_day, p_event_name, p_shard, 1, p_occurred_at)
    ON CONFLICT ("day", "event_name", "shard") DO UPDATE
        SET "event_count" = c."event_count" + 1,
            "last_occurred_at" = GREATEST(c."last_occurred_at", EXCLUDED."last_occurred_at");
    RETURN 'recorded';
EXCEPTION WHEN OTHERS OR query_canceled THEN
    RETURN 'failed:' || SQLSTATE;
END
$$;
