CREATE TABLE `trial_claims` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`card_fingerprint` text,
	`subscription_start_id` text NOT NULL,
	`tier` text NOT NULL,
	`trial_days` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trial_claims_user_unique` ON `trial_claims` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `trial_claims_card_unique` ON `trial_claims` (`card_fingerprint`) WHERE card_fingerprint IS NOT NULL;--> statement-breakpoint
ALTER TABLE `subscription_starts` ADD `trial` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `trial_start` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `trial_end` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `trial_end_behavior` text;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `has_payment_method` integer DEFAULT false NOT NULL;