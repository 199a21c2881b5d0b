import * as z from "zod";

/**
 * What the share-image Worker draws: already formatted words, so the renderer needs no database,
 * no money rules and no app code. The main Worker builds it (workers/og/course.ts) and posts it
 * to the OG_RENDERER service binding.
 */
export const ShareCard = z.object({
  eyebrow: z.string().max(120),
  title: z.string().min(1).max(200),
  byline: z.string().max(120),
  detail: z.string().max(120),
});
export type ShareCard = z.infer<typeof ShareCard>;

/** Path the renderer answers on (any host: it is only reached through the service binding). */
export const RENDER_PATH = "/render";
