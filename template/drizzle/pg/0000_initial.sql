CREATE TABLE "apps" (
	"graph" text NOT NULL,
	"app_id" text NOT NULL,
	"partition_key" text NOT NULL,
	"sequence_id" integer NOT NULL,
	"position" text,
	"origin_state" jsonb NOT NULL,
	"origin_position" text,
	"snapshot_sequence_id" integer NOT NULL,
	"snapshot_bytes" integer NOT NULL,
	"replay_bytes" integer NOT NULL,
	"parent_app_id" text,
	"parent_sequence_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "apps_graph_app_id_pk" PRIMARY KEY("graph","app_id")
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"graph" text NOT NULL,
	"app_id" text NOT NULL,
	"subject" text NOT NULL,
	"permission" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "grants_graph_app_id_subject_pk" PRIMARY KEY("graph","app_id","subject")
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"run_id" text NOT NULL,
	"id" integer NOT NULL,
	"event" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "run_events_run_id_id_pk" PRIMARY KEY("run_id","id")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"graph" text NOT NULL,
	"app_id" text NOT NULL,
	"action" text NOT NULL,
	"inputs" jsonb,
	"status" text NOT NULL,
	"error" text,
	"created_by" text NOT NULL,
	"attempt" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"last_event_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"id" serial PRIMARY KEY NOT NULL,
	"graph" text NOT NULL,
	"app_id" text NOT NULL,
	"sequence_id" integer NOT NULL,
	"action" text NOT NULL,
	"inputs" jsonb,
	"result" jsonb,
	"writes" jsonb NOT NULL,
	"snapshot" jsonb,
	"status" text NOT NULL,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "apps_partition_created" ON "apps" USING btree ("graph","partition_key","created_at");--> statement-breakpoint
CREATE INDEX "apps_graph_created" ON "apps" USING btree ("graph","created_at");--> statement-breakpoint
CREATE INDEX "grants_subject" ON "grants" USING btree ("subject");--> statement-breakpoint
CREATE INDEX "runs_status_created" ON "runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "steps_app_sequence" ON "steps" USING btree ("graph","app_id","sequence_id");--> statement-breakpoint
CREATE INDEX "steps_snapshots" ON "steps" USING btree ("graph","app_id","sequence_id") WHERE snapshot is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "steps_committed_once" ON "steps" USING btree ("graph","app_id","sequence_id") WHERE status = 'committed';