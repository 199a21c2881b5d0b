CREATE TABLE `coupon_redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`coupon_id` text NOT NULL,
	`user_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`purpose_ref` text NOT NULL,
	`status` text NOT NULL,
	`discount_amount` integer NOT NULL,
	`paid_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`coupon_id`) REFERENCES `coupons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coupon_redemptions_payment_unique` ON `coupon_redemptions` (`payment_id`);--> statement-breakpoint
CREATE INDEX `coupon_redemptions_coupon_status_idx` ON `coupon_redemptions` (`coupon_id`,`status`);--> statement-breakpoint
CREATE INDEX `coupon_redemptions_coupon_user_idx` ON `coupon_redemptions` (`coupon_id`,`user_id`,`status`);--> statement-breakpoint
CREATE INDEX `coupon_redemptions_live_idx` ON `coupon_redemptions` (`coupon_id`) WHERE status in ('reserved', 'redeemed');--> statement-breakpoint
CREATE TABLE `coupons` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`kind` text NOT NULL,
	`percent_bps` integer,
	`amount_off` integer,
	`currency` text,
	`scope` text NOT NULL,
	`scope_ref` text,
	`max_redemptions` integer,
	`expires_at` integer,
	`once_per_customer` integer DEFAULT false NOT NULL,
	`first_purchase_only` integer DEFAULT false NOT NULL,
	`min_amount` integer,
	`active` integer DEFAULT true NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`deactivated_at` integer,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coupons_code_unique` ON `coupons` (`code`);--> statement-breakpoint
CREATE INDEX `coupons_scope_idx` ON `coupons` (`scope`,`scope_ref`,`active`);--> statement-breakpoint
CREATE INDEX `coupons_created_by_idx` ON `coupons` (`created_by`,`created_at`);