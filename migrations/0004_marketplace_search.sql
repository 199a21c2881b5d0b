-- Full-text search over course titles and descriptions (drizzle-kit cannot express FTS5 tables).
-- Rows are written by app/modules/marketplace/courses.server.ts in the same batch as the course.
CREATE VIRTUAL TABLE `courses_fts` USING fts5(course_id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
