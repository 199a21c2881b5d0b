import * as z from "zod";
import { globalQuerySchema } from "~/modules/tokens/leaderboard.server";
import { defineRoute, timestamp, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { boardRowShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/leaderboard/global", {
  get: {
    capability: "Tokens",
    summary: "The global leaderboard",
    description:
      "The top `limit` learners of this week (weeks start on Monday, UTC) or of all time, and your own rank (`you` is null without a score this period, or when you are hidden). " +
      "Rows carry handles, never user ids. Learners who hide themselves (their profile setting) are on no board, whatever the board's rows say. " +
      "Scores count only learning awards as paid under the reward rules (own courses, free courses below the quality bar and the daily caps earn nothing), plus streak bonuses, less clawbacks; admin awards never count.",
    auth: { kind: "signed_in", permission: "read:leaderboard:any" },
    query: globalQuerySchema,
    responses: {
      200: {
        description: "The board.",
        schema: z.object({
          period: z.enum(["week", "all"]),
          weekStart: z.string().optional().meta({ description: "Weekly board only." }),
          endsAt: timestamp.optional().meta({ description: "Weekly board only: when this week's board closes." }),
          members: z.number().int().nonnegative(),
          top: z.array(boardRowShape),
          you: boardRowShape.nullable(),
        }),
      },
    },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"] },
    examples: [
      {
        name: "ok",
        summary: "This week's top 10",
        as: "student",
        query: { period: "week", limit: "10" },
        status: 200,
        response: {
          period: "week",
          weekStart: "2026-11-23",
          endsAt: 1795996800000,
          members: 1204,
          top: [{ rank: 1, name: "Ada", handle: "ada-lovelace", score: 1520, isYou: false }],
          you: { rank: 37, name: "Sam", handle: "sam-3kf9q", score: 260, isYou: true },
        },
      },
      { name: "invalid", summary: "Unknown period", as: "student", query: { period: "month" }, status: 400 },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});
