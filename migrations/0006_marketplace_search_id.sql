ALTER TABLE `courses` ADD `search_id` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `courses_search_id_unique` ON `courses` (`search_id`);