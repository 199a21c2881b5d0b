CREATE TABLE `license_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`license_id` text NOT NULL,
	`label` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` text,
	`revoked_reason` text,
	FOREIGN KEY (`license_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `license_keys_license_idx` ON `license_keys` (`license_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `license_machines` ADD `deactivated_reason` text;--> statement-breakpoint
ALTER TABLE `license_machines` ADD `token_hash` text;--> statement-breakpoint
ALTER TABLE `license_machines` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `license_machines` ADD `last_heartbeat_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `license_machines_token_unique` ON `license_machines` (`token_hash`);--> statement-breakpoint
CREATE INDEX `license_machines_active_idx` ON `license_machines` (`license_id`,`deactivated_at`);--> statement-breakpoint
ALTER TABLE `licenses` ADD `heartbeat_interval_seconds` integer;--> statement-breakpoint
ALTER TABLE `licenses` ADD `heartbeat_grace_seconds` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `licenses` ADD `check_in_interval_days` integer;--> statement-breakpoint
ALTER TABLE `licenses` ADD `last_check_in_at` integer;--> statement-breakpoint
ALTER TABLE `licenses` ADD `machine_overage` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `licenses` ADD `original_key_revoked_at` integer;