CREATE TABLE `labels` (
	`model_name` text NOT NULL,
	`request_id` text NOT NULL,
	`label` integer NOT NULL,
	`labelled_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `request_id`)
);
--> statement-breakpoint
CREATE INDEX `labels_labelled_at` ON `labels` (`labelled_at`);--> statement-breakpoint
CREATE TABLE `predictions` (
	`model_name` text NOT NULL,
	`request_id` text NOT NULL,
	`version` integer NOT NULL,
	`predicted_class` integer NOT NULL,
	`served_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `request_id`)
);
--> statement-breakpoint
CREATE INDEX `predictions_model_served` ON `predictions` (`model_name`,`served_at`);--> statement-breakpoint
CREATE INDEX `predictions_served_at` ON `predictions` (`served_at`);