ALTER TABLE `courses` ADD `sale_price_amount` integer;--> statement-breakpoint
ALTER TABLE `courses` ADD `sale_starts_at` integer;--> statement-breakpoint
ALTER TABLE `courses` ADD `sale_ends_at` integer;