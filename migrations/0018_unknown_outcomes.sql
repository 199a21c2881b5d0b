ALTER TABLE `payments` ADD `stripe_payment_method_id` text;--> statement-breakpoint
ALTER TABLE `subscription_starts` ADD `success_path` text;--> statement-breakpoint
ALTER TABLE `subscription_starts` ADD `cancel_path` text;--> statement-breakpoint
ALTER TABLE `subscription_starts` ADD `stripe_payment_method_id` text;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `change_request` text;--> statement-breakpoint
CREATE INDEX `refunds_status_idx` ON `refunds` (`status`,`created_at`);