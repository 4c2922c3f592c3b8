CREATE TABLE `live_streams` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`graph` text NOT NULL,
	`app_id` text NOT NULL,
	`action` text NOT NULL,
	`sequence_id` integer NOT NULL,
	`instance_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `live_streams_app` ON `live_streams` (`graph`,`app_id`);--> statement-breakpoint
CREATE INDEX `live_streams_instance` ON `live_streams` (`instance_id`);--> statement-breakpoint
CREATE INDEX `live_streams_seen` ON `live_streams` (`seen_at`);