CREATE TABLE `revenue_daily` (
	`day` text NOT NULL,
	`currency` text NOT NULL,
	`purpose` text NOT NULL,
	`course_id` text NOT NULL,
	`instructor_id` text NOT NULL,
	`gross` integer NOT NULL,
	`payments` integer NOT NULL,
	`refunds` integer NOT NULL,
	`refund_count` integer NOT NULL,
	`disputes` integer NOT NULL,
	`dispute_count` integer NOT NULL,
	`dispute_fees` integer NOT NULL,
	`instructor_share` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`day`, `currency`, `purpose`, `course_id`, `instructor_id`)
);
--> statement-breakpoint
CREATE INDEX `revenue_daily_instructor_idx` ON `revenue_daily` (`instructor_id`,`day`);--> statement-breakpoint
CREATE INDEX `payments_succeeded_idx` ON `payments` (`succeeded_at`);