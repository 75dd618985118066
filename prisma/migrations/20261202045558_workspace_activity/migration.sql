-- CreateTable
CREATE TABLE "product_usage_workspace_activity" (
    "workspace_id" UUID NOT NULL,
    "event_name" TEXT NOT NULL,
    "base_hour" INTEGER NOT NULL,
    "hours" VARBIT NOT NULL,

    CONSTRAINT "product_usage_workspace_activity_pkey" PRIMARY KEY ("workspace_id","event_name")
);

-- CreateTable
CREATE TABLE "product_usage_prune_state" (
    "id" INTEGER NOT NULL,
    "pruned_through" TIMESTAMPTZ(3),

    CONSTRAINT "product_usage_prune_state_pkey" PRIMARY KEY ("id")
);


-- The prune's frontier: one row, moved forward by each prune batch.
INSERT INTO "product_usage_prune_state" ("id", "pruned_through") VALUES (1, NULL);

-- Hours since the epoch of a UTC instant (the bit position scheme of product_usage_workspace_activity).
CREATE FUNCTION "product_usage_hour_index"(t TIMESTAMPTZ) RETURNS INTEGER LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM t) / 3600)::int $$;

-- Is any bit set for hours [a, b) (hour indexes) in a bitmap starting at hour `base`?
CREATE FUNCTION "product_usage_any_hour"(hours VARBIT, base INTEGER, a INTEGER, b INTEGER) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT bit_count(substring(hours FROM greatest(a - base, 0) + 1 FOR greatest(least(b, base + length(hours)) - greatest(a, base), 0))) > 0 $$;

-- The bitmap of a set of hour indexes, starting at the smallest.
CREATE FUNCTION "product_usage_hours_bitmap"(hs INTEGER[]) RETURNS VARBIT LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT string_agg(CASE WHEN g = ANY (hs) THEN '1' ELSE '0' END, '' ORDER BY g)::varbit
    FROM generate_series((SELECT min(h) FROM unnest(hs) h), (SELECT max(h) FROM unnest(hs) h)) g
$$;

-- Backfill: the activity of the rows already in the ledger.
INSERT INTO "product_usage_workspace_activity" ("workspace_id", "event_name", "base_hour", "hours")
SELECT "workspace_id", "event_name", min(h), "product_usage_hours_bitmap"(array_agg(h))
  FROM (SELECT DISTINCT "workspace_id", "event_name", "product_usage_hour_index"("occurred_at") AS h FROM "product_usage_events") x
 GROUP BY 1, 2;

-- The recorder's write, as before, plus the workspace's activity bit for the row's hour. The bit is
-- read first without a lock: after the first row of a workspace, event and hour there is nothing to write.
CREATE OR REPLACE FUNCTION "product_usage_record"(
    p_id UUID, p_workspace_id UUID, p_tenant_id UUID, p_event_name TEXT, p_feature_area TEXT,
    p_actor_user_id UUID, p_subject_type TEXT, p_subject_id UUID, p_occurred_at TIMESTAMPTZ,
    p_metadata JSONB, p_event_key TEXT, p_hour TIMESTAMPTZ, p_day DATE, p_shard SMALLINT
) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    h INTEGER := "product_usage_hour_index"(p_hour);
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
    IF NOT EXISTS (SELECT 1 FROM "product_usage_workspace_activity" a
                    WHERE a."workspace_id" = p_workspace_id AND a."event_name" = p_event_name
                      AND h >= a."base_hour" AND h < a."base_hour" + length(a."hours")
                      AND get_bit(a."hours", h - a."base_hour") = 1) THEN
        -- grow the bitmap to cover hour h (either end), then set its bit
        INSERT INTO "product_usage_workspace_activity" AS a ("workspace_id", "event_name", "base_hour", "hours")
        VALUES (p_workspace_id, p_event_name, h, B'1')
        ON CONFLICT ("workspace_id", "event_name") DO UPDATE
            SET "base_hour" = LEAST(a."base_hour", h),
                "hours" = set_bit(
                    repeat('0', GREATEST(a."base_hour" - h, 0))::varbit || a."hours"
                      || repeat('0', GREATEST(h - (a."base_hour" + length(a."hours")) + 1, 0))::varbit,
                    h - LEAST(a."base_hour", h), 1);
    END IF;
    RETURN 'recorded';
EXCEPTION WHEN OTHERS OR query_canceled THEN
    RETURN 'failed:' || SQLSTATE;
END
$$;
