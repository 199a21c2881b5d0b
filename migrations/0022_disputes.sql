CREATE TABLE `disputes` (
	`id` text PRIMARY KEY NOT NULL,
	`stripe_dispute_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`stripe_charge_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`evidence_due_by` integer,
	`submission_count` integer DEFAULT 0 NOT NULL,
	`fee_amount` integer DEFAULT 0 NOT NULL,
	`effects` text DEFAULT 'none' NOT NULL,
	`effects_claimed_until` integer,
	`evidence_submitted_at` integer,
	`evidence_submitted_by` text,
	`reminder_sent_at` integer,
	`closed_at` integer,
	`stripe_created_at` integer NOT NULL,
	`synced_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`evidence_submitted_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `disputes_stripe_unique` ON `disputes` (`stripe_dispute_id`);--> statement-breakpoint
CREATE INDEX `disputes_payment_idx` ON `disputes` (`payment_id`);--> statement-breakpoint
CREATE INDEX `disputes_created_idx` ON `disputes` (`stripe_created_at`);--> statement-breakpoint
CREATE INDEX `disputes_status_due_idx` ON `disputes` (`status`,`evidence_due_by`);--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `dispute_id` text;