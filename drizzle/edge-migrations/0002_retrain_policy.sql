ALTER TABLE `model_policies` ADD `retrain_policy` text;--> statement-breakpoint
ALTER TABLE `model_policies` ADD `retrain_triggered_at` integer;