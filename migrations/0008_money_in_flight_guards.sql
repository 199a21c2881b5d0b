CREATE TABLE `subscription_starts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`tier` text NOT NULL,
	`interval` text NOT NULL,
	`flow` text NOT NULL,
	`status` text NOT NULL,
	`stripe_checkout_session_id` text,
	`checkout_url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_starts_open_unique` ON `subscription_starts` (`user_id`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `subscription_starts_session_idx` ON `subscription_starts` (`stripe_checkout_session_id`);--> statement-breakpoint
ALTER TABLE `payments` ADD `success_path` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `cancel_path` text;--> statement-breakpoint
-- Local databases may hold several open payments for one purchase from before this guard: keep the newest.
UPDATE `payments` SET `status` = 'canceled', `failure_code` = 'superseded' WHERE `status` IN ('requires_action', 'processing') AND EXISTS (SELECT 1 FROM `payments` AS `newer` WHERE `newer`.`user_id` = `payments`.`user_id` AND `newer`.`purpose` = `payments`.`purpose` AND `newer`.`purpose_ref` = `payments`.`purpose_ref` AND `newer`.`status` IN ('requires_action', 'processing') AND `newer`.`id` > `payments`.`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_open_unique` ON `payments` (`user_id`,`purpose`,`purpose_ref`) WHERE status in ('requires_action', 'processing');