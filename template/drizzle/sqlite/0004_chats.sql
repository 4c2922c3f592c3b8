CREATE TABLE `chats` (
	`graph` text NOT NULL,
	`chat_id` text NOT NULL,
	`app_id` text NOT NULL,
	`last_run_id` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`graph`, `chat_id`)
);
