CREATE TABLE `apps` (
	`graph` text NOT NULL,
	`app_id` text NOT NULL,
	`partition_key` text NOT NULL,
	`sequence_id` integer NOT NULL,
	`position` text,
	`origin_state` text NOT NULL,
	`origin_position` text,
	`snapshot_sequence_id` integer NOT NULL,
	`snapshot_bytes` integer NOT NULL,
	`replay_bytes` integer NOT NULL,
	`parent_app_id` text,
	`parent_sequence_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`graph`, `app_id`)
);
--> statement-breakpoint
CREATE INDEX `apps_partition_created` ON `apps` (`graph`,`partition_key`,`created_at`);--> statement-breakpoint
CREATE INDEX `apps_graph_created` ON `apps` (`graph`,`created_at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`graph` text NOT NULL,
	`app_id` text NOT NULL,
	`subject` text NOT NULL,
	`permission` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`graph`, `app_id`, `subject`)
);
--> statement-breakpoint
CREATE INDEX `grants_subject` ON `grants` (`subject`);--> statement-breakpoint
CREATE TABLE `run_events` (
	`run_id` text NOT NULL,
	`id` integer NOT NULL,
	`event` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`graph` text NOT NULL,
	`app_id` text NOT NULL,
	`action` text NOT NULL,
	`inputs` text,
	`status` text NOT NULL,
	`error` text,
	`created_by` text NOT NULL,
	`attempt` integer NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`heartbeat_at` integer,
	`last_event_id` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_status_created` ON `runs` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`graph` text NOT NULL,
	`app_id` text NOT NULL,
	`sequence_id` integer NOT NULL,
	`action` text NOT NULL,
	`inputs` text,
	`result` text,
	`writes` text NOT NULL,
	`snapshot` text,
	`status` text NOT NULL,
	`error` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`duration_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `steps_app_sequence` ON `steps` (`graph`,`app_id`,`sequence_id`);--> statement-breakpoint
CREATE INDEX `steps_snapshots` ON `steps` (`graph`,`app_id`,`sequence_id`) WHERE snapshot is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `steps_committed_once` ON `steps` (`graph`,`app_id`,`sequence_id`) WHERE status = 'committed';