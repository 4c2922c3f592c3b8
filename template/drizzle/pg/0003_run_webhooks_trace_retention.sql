ALTER TABLE "runs" ADD COLUMN "webhook_url" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "webhook_status" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "webhook_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "webhook_next_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "webhook_error" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "trace_parent" text;--> statement-breakpoint
CREATE INDEX "apps_updated" ON "apps" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "runs_webhook_due" ON "runs" USING btree ("webhook_status","webhook_next_at");--> statement-breakpoint
CREATE INDEX "runs_app" ON "runs" USING btree ("graph","app_id");