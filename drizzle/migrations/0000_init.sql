CREATE TABLE `aliases` (
	`model_name` text NOT NULL,
	`alias` text NOT NULL,
	`version` integer NOT NULL,
	`previous_version` integer,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `alias`),
	FOREIGN KEY (`model_name`) REFERENCES `models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`pipeline_id` text NOT NULL,
	`principal` text NOT NULL,
	`decision` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`decided_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dedupe_key` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`event` text NOT NULL,
	`model_name` text,
	`version` integer,
	`pipeline_id` text,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_dedupe` ON `audit_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `audit_events_model` ON `audit_events` (`model_name`,`version`);--> statement-breakpoint
CREATE TABLE `model_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`artifact_uri` text NOT NULL,
	`artifact_sha256` text NOT NULL,
	`signature` text NOT NULL,
	`metrics` text NOT NULL,
	`confusion_matrix` text NOT NULL,
	`gate` text NOT NULL,
	`reference_profile` text NOT NULL,
	`lineage` text NOT NULL,
	`pipeline_run_id` text NOT NULL,
	`pipeline_id` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`model_name`) REFERENCES `models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_model_version` ON `model_versions` (`model_name`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `model_versions_pipeline_run` ON `model_versions` (`pipeline_run_id`);--> statement-breakpoint
CREATE TABLE `models` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`template` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
