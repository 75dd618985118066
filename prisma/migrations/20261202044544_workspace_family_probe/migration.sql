-- DropIndex
DROP INDEX "product_usage_events_workspace_id_occurred_at_idx";

-- CreateIndex
CREATE INDEX "product_usage_events_workspace_id_event_name_occurred_at_idx" ON "product_usage_events"("workspace_id", "event_name", "occurred_at");

