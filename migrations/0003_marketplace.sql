CREATE TABLE `course_modules` (
	`id` text PRIMARY KEY NOT NULL,
	`course_id` text NOT NULL,
	`position` integer NOT NULL,
	`title` text NOT NULL,
	`r2_key` text,
	`file_name` text,
	`content_type` text,
	`size_bytes` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `course_modules_course_position_idx` ON `course_modules` (`course_id`,`position`);--> statement-breakpoint
CREATE TABLE `courses` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`instructor_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`category` text NOT NULL,
	`level` text NOT NULL,
	`language` text NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`rating_count` integer DEFAULT 0 NOT NULL,
	`rating_sum` integer DEFAULT 0 NOT NULL,
	`rating_avg` integer DEFAULT 0 NOT NULL,
	`enrollment_count` integer DEFAULT 0 NOT NULL,
	`published_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instructor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courses_slug_unique` ON `courses` (`slug`);--> statement-breakpoint
CREATE INDEX `courses_status_popular_idx` ON `courses` (`status`,`enrollment_count`,`id`);--> statement-breakpoint
CREATE INDEX `courses_status_newest_idx` ON `courses` (`status`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `courses_status_rating_idx` ON `courses` (`status`,`rating_avg`,`id`);--> statement-breakpoint
CREATE INDEX `courses_status_price_idx` ON `courses` (`status`,`price_amount`,`id`);--> statement-breakpoint
CREATE INDEX `courses_status_category_popular_idx` ON `courses` (`status`,`category`,`enrollment_count`,`id`);--> statement-breakpoint
CREATE INDEX `courses_instructor_status_idx` ON `courses` (`instructor_id`,`status`,`published_at`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`id` text PRIMARY KEY NOT NULL,
	`course_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`payment_id` text,
	`amount_paid` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`completed_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_course_user_unique` ON `enrollments` (`course_id`,`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_payment_unique` ON `enrollments` (`payment_id`);--> statement-breakpoint
CREATE INDEX `enrollments_user_idx` ON `enrollments` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `enrollments_course_status_idx` ON `enrollments` (`course_id`,`status`);--> statement-breakpoint
CREATE TABLE `instructor_accounts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`stripe_account_id` text NOT NULL,
	`payouts_enabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instructor_accounts_stripe_account_id_unique` ON `instructor_accounts` (`stripe_account_id`);--> statement-breakpoint
CREATE TABLE `instructor_earnings` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`instructor_id` text NOT NULL,
	`course_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`refund_id` text,
	`reverses_id` text,
	`gross_amount` integer NOT NULL,
	`instructor_amount` integer NOT NULL,
	`platform_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`available_at` integer NOT NULL,
	`payout_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`instructor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instructor_earnings_key_unique` ON `instructor_earnings` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `instructor_earnings_instructor_idx` ON `instructor_earnings` (`instructor_id`,`available_at`);--> statement-breakpoint
CREATE INDEX `instructor_earnings_payment_idx` ON `instructor_earnings` (`payment_id`);--> statement-breakpoint
CREATE INDEX `instructor_earnings_payout_available_idx` ON `instructor_earnings` (`payout_id`,`available_at`);--> statement-breakpoint
CREATE TABLE `learning_events` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`course_id` text NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `learning_events_once_unique` ON `learning_events` (`user_id`,`course_id`,`type`);--> statement-breakpoint
CREATE INDEX `learning_events_type_id_idx` ON `learning_events` (`type`,`id`);--> statement-breakpoint
CREATE TABLE `module_progress` (
	`user_id` text NOT NULL,
	`module_id` text NOT NULL,
	`course_id` text NOT NULL,
	`completed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `module_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`module_id`) REFERENCES `course_modules`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `module_progress_user_course_idx` ON `module_progress` (`user_id`,`course_id`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`instructor_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`stripe_account_id` text,
	`stripe_transfer_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`failure_message` text,
	`paid_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instructor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payouts_instructor_idx` ON `payouts` (`instructor_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `payouts_status_idx` ON `payouts` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`course_id` text NOT NULL,
	`user_id` text NOT NULL,
	`rating` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_course_user_unique` ON `reviews` (`course_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `reviews_course_id_idx` ON `reviews` (`course_id`,`id`);