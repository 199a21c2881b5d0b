PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_refund_requests` (
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
INSERT INTO `__new_refund_requests`("id", "payment_id", "user_id", "course_id", "status", "refusal", "amount", "currency", "reason", "completed_modules", "total_modules", "recent_refunds", "refund_id", "review_note", "review_requested_at", "decided_by", "decision_note", "decided_at", "failure_message", "created_at", "updated_at") SELECT "id", "payment_id", "user_id", "course_id", "status", "refusal", "amount", "currency", "reason", "completed_modules", "total_modules", "recent_refunds", "refund_id", "review_note", "review_requested_at", "decided_by", "decision_note", "decided_at", "failure_message", "created_at", "updated_at" FROM `refund_requests`;--> statement-breakpoint
DROP TABLE `refund_requests`;--> statement-breakpoint
ALTER TABLE `__new_refund_requests` RENAME TO `refund_requests`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `refund_requests_payment_live_unique` ON `refund_requests` (`payment_id`) WHERE status <> 'failed';--> statement-breakpoint
CREATE INDEX `refund_requests_user_created_idx` ON `refund_requests` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `refund_requests_status_idx` ON `refund_requests` (`status`,`id`);