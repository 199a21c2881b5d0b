-- The edge cache version (drizzle/schema/edge.ts, workers/edge-cache.ts): one row, bumped by a trigger on
-- every change to courses, their modules and reviews, so cached anonymous pages are retired whatever
-- code path changed a course (publish, edit, review, unpublish, moderation, direct SQL). It starts at a
-- random number so a recreated database never meets cache entries stored under an old one's versions.
INSERT INTO `edge_cache_version` (`id`, `version`) VALUES (1, abs(random() % 1000000000000)) ON CONFLICT(`id`) DO NOTHING;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_courses_insert` AFTER INSERT ON `courses` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_courses_update` AFTER UPDATE ON `courses` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_courses_delete` AFTER DELETE ON `courses` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_course_modules_insert` AFTER INSERT ON `course_modules` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_course_modules_update` AFTER UPDATE ON `course_modules` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_course_modules_delete` AFTER DELETE ON `course_modules` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_reviews_insert` AFTER INSERT ON `reviews` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_reviews_update` AFTER UPDATE ON `reviews` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `edge_cache_bump_reviews_delete` AFTER DELETE ON `reviews` BEGIN UPDATE `edge_cache_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
