CREATE TABLE `model_template_revisions` (
	`model_name` text NOT NULL,
	`revision` integer NOT NULL,
	`template` text NOT NULL,
	`description` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`model_name`, `revision`),
	FOREIGN KEY (`model_name`) REFERENCES `models`(`name`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `model_versions` ADD `class_metrics` text;--> statement-breakpoint
ALTER TABLE `models` ADD `revision` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- Models registered before revisions: their current template is revision 1.
INSERT INTO `model_template_revisions` (`model_name`, `revision`, `template`, `description`, `created_by`, `created_at`)
SELECT `name`, 1, `template`, `description`, `created_by`, `created_at` FROM `models`;
