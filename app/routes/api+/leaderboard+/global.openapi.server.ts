import * as z from "zod";
import { globalQuerySchema } from "~/modules/tokens/leaderboard.server";
import { defineRoute, timestamp, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { boardRowShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/leaderboard/global", {
  get: {
    capability: "Tokens",
    summary: "The global leaderboard",
    description: "The top `limit` learners of this week (weeks start on Monday, UTC) or of all time, and your own rank (`you` is null without a score this period, or when hidden).",
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
          top: [{ rank: 1, userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0y", name: "Ada", handle: "ada-lovelace", score: 1520, isYou: false }],
          you: { rank: 37, userId: "usr_01jdxa7q2m3n4p5r6s7t8v9w0x", name: "Sam", handle: "sam-3kf9q", score: 260, isYou: true },
        },
      },
      { name: "invalid", summary: "Unknown period", as: "student", query: { period: "month" }, status: 400 },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});
