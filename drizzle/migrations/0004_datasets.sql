CREATE TABLE `dataset_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_name` text NOT NULL,
	`version` integer NOT NULL,
	`sha256` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`rows` integer NOT NULL,
	`columns` text NOT NULL,
	`artifact_uri` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`dataset_name`) REFERENCES `datasets`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_versions_name_version` ON `dataset_versions` (`dataset_name`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_versions_name_sha256` ON `dataset_versions` (`dataset_name`,`sha256`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
