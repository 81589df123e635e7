CREATE TABLE `runner_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`spec_hash` text NOT NULL,
	`spec` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`error` text,
	`exit_code` integer,
	`progress` text,
	`gpus` text NOT NULL,
	`executions` integer DEFAULT 0 NOT NULL,
	`execution_id` text,
	`prior_seconds` real DEFAULT 0 NOT NULL,
	`execution_started_at` integer,
	`submitted_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`cancel_requested_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runner_jobs_idempotency_key_unique` ON `runner_jobs` (`idempotency_key`);