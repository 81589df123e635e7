CREATE TABLE `retrain_schedules` (
	`model_name` text NOT NULL,
	`id` text NOT NULL,
	`cron` text,
	`every_seconds` integer,
	`paused` integer DEFAULT false NOT NULL,
	`pause_reason` text,
	`catchup_window_seconds` integer NOT NULL,
	`overlap` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `id`),
	FOREIGN KEY (`model_name`) REFERENCES `models`(`name`) ON UPDATE no action ON DELETE no action
);
