-- Courses created before search_id existed get one, and the search index is rebuilt so that each
-- courses_fts rowid is its course's search_id (app/modules/marketplace/listing.server.ts joins on it).
UPDATE `courses` SET `search_id` = rowid WHERE `search_id` IS NULL;--> statement-breakpoint
DELETE FROM `courses_fts`;--> statement-breakpoint
INSERT INTO `courses_fts` (rowid, course_id, title, description) SELECT `search_id`, `id`, `title`, `description` FROM `courses`;
