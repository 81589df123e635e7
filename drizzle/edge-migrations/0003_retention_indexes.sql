CREATE INDEX `drift_reports_computed_at` ON `drift_reports` (`computed_at`);--> statement-breakpoint
CREATE INDEX `sketches_minute` ON `sketches` (`minute`);