CREATE TABLE `license_machines` (
	`id` text PRIMARY KEY NOT NULL,
	`license_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`name` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`deactivated_at` integer,
	FOREIGN KEY (`license_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `license_machines_fingerprint_unique` ON `license_machines` (`license_id`,`fingerprint`);--> statement-breakpoint
CREATE TABLE `license_notices` (
	`license_id` text NOT NULL,
	`threshold_days` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`license_id`, `threshold_days`, `expires_at`),
	FOREIGN KEY (`license_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `license_usage_daily` (
	`license_id` text NOT NULL,
	`day` text NOT NULL,
	`validations` integer DEFAULT 0 NOT NULL,
	`valid` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`license_id`, `day`),
	FOREIGN KEY (`license_id`) REFERENCES `licenses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `licenses` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`tier` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`features` text NOT NULL,
	`max_seats` integer NOT NULL,
	`max_machines` integer NOT NULL,
	`metadata` text NOT NULL,
	`starts_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`suspended_reason` text,
	`subscription_id` text,
	`auto_renews` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `licenses_org_idx` ON `licenses` (`organization_id`,`id`);--> statement-breakpoint
CREATE INDEX `licenses_status_expires_idx` ON `licenses` (`status`,`expires_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `licenses_org_subscription_unique` ON `licenses` (`organization_id`) WHERE source = 'subscription';--> statement-breakpoint
CREATE TABLE `organization_members` (
	`organization_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`organization_id`, `user_id`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `organization_members_user_idx` ON `organization_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`owner_id` text NOT NULL,
	`brand_name` text,
	`brand_logo_key` text,
	`brand_primary_color` text,
	`brand_accent_color` text,
	`brand_support_email` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `organizations_owner_idx` ON `organizations` (`owner_id`);