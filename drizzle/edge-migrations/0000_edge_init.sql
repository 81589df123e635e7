CREATE TABLE `deployments` (
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`artifact_key` text NOT NULL,
	`artifact_sha256` text NOT NULL,
	`signature` text NOT NULL,
	`reference_profile` text NOT NULL,
	`published_by` text NOT NULL,
	`published_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `drift_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`computed_at` integer NOT NULL,
	`dataset_drift` integer NOT NULL,
	`report` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `drift_reports_model` ON `drift_reports` (`model_name`,`version`,`computed_at`);--> statement-breakpoint
CREATE TABLE `model_policies` (
	`model_name` text PRIMARY KEY NOT NULL,
	`drift_policy` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sketches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_name` text NOT NULL,
	`version` integer NOT NULL,
	`minute` integer NOT NULL,
	`sketch` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sketches_model_minute` ON `sketches` (`model_name`,`minute`);--> statement-breakpoint
CREATE TABLE `traffic` (
	`model_name` text PRIMARY KEY NOT NULL,
	`weights` text NOT NULL,
	`step` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
