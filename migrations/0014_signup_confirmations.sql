CREATE TABLE `signup_confirmations` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`user_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signup_confirmations_token_hash_unique` ON `signup_confirmations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `signup_confirmations_email_idx` ON `signup_confirmations` (`email`);