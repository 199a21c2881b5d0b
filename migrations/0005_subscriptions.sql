CREATE TABLE `subscription_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`subscription_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`from_tier` text,
	`to_tier` text,
	`from_status` text,
	`to_status` text,
	`from_interval` text,
	`to_interval` text,
	`amount` integer,
	`currency` text,
	`source` text NOT NULL,
	`actor_id` text,
	`stripe_invoice_id` text,
	`dedupe_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_changes_dedupe_unique` ON `subscription_changes` (`subscription_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `subscription_changes_sub_idx` ON `subscription_changes` (`subscription_id`,`id`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`tier` text NOT NULL,
	`interval` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`current_period_start` integer NOT NULL,
	`current_period_end` integer NOT NULL,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`canceled_at` integer,
	`ended_at` integer,
	`pending_tier` text,
	`pending_interval` text,
	`stripe_subscription_id` text NOT NULL,
	`stripe_customer_id` text NOT NULL,
	`stripe_price_id` text NOT NULL,
	`latest_invoice_id` text,
	`dunning_invoice_id` text,
	`past_due_since` integer,
	`payment_attempts` integer DEFAULT 0 NOT NULL,
	`next_payment_attempt_at` integer,
	`last_payment_error` text,
	`synced_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_stripe_unique` ON `subscriptions` (`stripe_subscription_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_user_idx` ON `subscriptions` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `subscriptions_status_period_idx` ON `subscriptions` (`status`,`current_period_end`);