ALTER TABLE `payments` ADD `tax_amount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_behavior` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_rate_milli` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_country` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_state` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_jurisdiction` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_type` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_reason` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_reverse_charge` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `buyer_tax_id_type` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `buyer_tax_id` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `buyer_business_name` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `buyer_address` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `tax_recorded_at` integer;--> statement-breakpoint
CREATE INDEX `payments_tax_idx` ON `payments` (`tax_recorded_at`);--> statement-breakpoint
ALTER TABLE `refunds` ADD `tax_amount` integer DEFAULT 0 NOT NULL;