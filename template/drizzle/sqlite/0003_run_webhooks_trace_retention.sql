ALTER TABLE `runs` ADD `webhook_url` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `webhook_status` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `webhook_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `webhook_next_at` integer;--> statement-breakpoint
ALTER TABLE `runs` ADD `webhook_error` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `trace_parent` text;--> statement-breakpoint
CREATE INDEX `runs_webhook_due` ON `runs` (`webhook_status`,`webhook_next_at`);--> statement-breakpoint
CREATE INDEX `runs_app` ON `runs` (`graph`,`app_id`);--> statement-breakpoint
CREATE INDEX `apps_updated` ON `apps` (`updated_at`);