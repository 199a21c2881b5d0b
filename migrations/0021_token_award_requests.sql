CREATE TABLE `token_award_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`amount` integer NOT NULL,
	`reason` text NOT NULL,
	`requested_by` text NOT NULL,
	`request_key` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`entry_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "token_award_requests_not_self" CHECK("token_award_requests"."user_id" <> "token_award_requests"."requested_by"),
	CONSTRAINT "token_award_requests_second_admin" CHECK("token_award_requests"."decided_by" IS NULL OR ("token_award_requests"."decided_by" <> "token_award_requests"."requested_by" AND "token_award_requests"."decided_by" <> "token_award_requests"."user_id") OR "token_award_requests"."status" = 'rejected')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `token_award_requests_requester_key_unique` ON `token_award_requests` (`requested_by`,`request_key`);--> statement-breakpoint
CREATE INDEX `token_award_requests_status_created_idx` ON `token_award_requests` (`status`,`created_at`);