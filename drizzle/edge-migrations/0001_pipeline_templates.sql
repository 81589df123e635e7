CREATE TABLE `pipeline_templates` (
	`model_name` text PRIMARY KEY NOT NULL,
	`template` text NOT NULL,
	`updated_at` integer NOT NULL
);
