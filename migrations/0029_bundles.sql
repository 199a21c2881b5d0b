CREATE TABLE `bundle_courses` (
	`bundle_id` text NOT NULL,
	`course_id` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`bundle_id`, `course_id`),
	FOREIGN KEY (`bundle_id`) REFERENCES `bundles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bundle_courses_position_unique` ON `bundle_courses` (`bundle_id`,`position`);--> statement-breakpoint
CREATE INDEX `bundle_courses_course_idx` ON `bundle_courses` (`course_id`);--> statement-breakpoint
CREATE TABLE `bundle_purchase_items` (
	`payment_id` text NOT NULL,
	`course_id` text NOT NULL,
	`bundle_id` text NOT NULL,
	`instructor_id` text NOT NULL,
	`list_price` integer NOT NULL,
	`share` integer NOT NULL,
	`currency` text NOT NULL,
	`outcome` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`payment_id`, `course_id`),
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bundle_id`) REFERENCES `bundles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bundle_purchase_items_bundle_idx` ON `bundle_purchase_items` (`bundle_id`);--> statement-breakpoint
CREATE TABLE `bundle_refund_parts` (
	`refund_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`course_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`refund_id`, `course_id`)
);
--> statement-breakpoint
CREATE INDEX `bundle_refund_parts_payment_idx` ON `bundle_refund_parts` (`payment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `bundle_refund_parts_overlap_unique` ON `bundle_refund_parts` (`payment_id`,`course_id`) WHERE kind = 'overlap';--> statement-breakpoint
CREATE TABLE `bundles` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`owner_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`cover_key` text,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`published_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bundles_slug_unique` ON `bundles` (`slug`);--> statement-breakpoint
CREATE INDEX `bundles_status_published_idx` ON `bundles` (`status`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `bundles_owner_idx` ON `bundles` (`owner_id`,`updated_at`);--> statement-breakpoint
DROP INDEX `enrollments_payment_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_payment_course_unique` ON `enrollments` (`payment_id`,`course_id`);