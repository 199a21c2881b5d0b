CREATE TABLE `refund_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`course_id` text NOT NULL,
	`status` text NOT NULL,
	`refusal` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text NOT NULL,
	`completed_modules` integer NOT NULL,
	`total_modules` integer NOT NULL,
	`recent_refunds` integer NOT NULL,
	`refund_id` text,
	`review_note` text,
	`review_requested_at` integer,
	`decided_by` text,
	`decision_note` text,
	`decided_at` integer,
	`failure_message` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refund_requests_payment_live_unique` ON `refund_requests` (`payment_id`) WHERE status <> 'failed';--> statement-breakpoint
CREATE INDEX `refund_requests_user_created_idx` ON `refund_requests` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `refund_requests_status_idx` ON `refund_requests` (`status`,`id`);