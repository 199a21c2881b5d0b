import * as z from "zod";
import { globalQuerySchema } from "~/modules/tokens/leaderboard.server";
import { defineRoute, UNAUTHENTICATED } from "~/modules/openapi/define.server";
import { boardRowShape } from "~/modules/openapi/shapes.server";

export default defineRoute("/api/leaderboard/friends", {
  get: {
    capability: "Tokens",
    summary: "You and the learners you follow, ranked",
    description: "Ranked like the global board. Learners you follow who hide themselves (their profile setting) are left out, with or without a score; a hidden caller still sees themselves. Rows carry handles, never user ids. `limit` is ignored.",
    auth: { kind: "signed_in", permission: "read:leaderboard:any" },
    query: globalQuerySchema.pick({ period: true }),
    responses: { 200: { description: "The board.", schema: z.object({ period: z.enum(["week", "all"]), items: z.array(boardRowShape) }) } },
    errors: { 400: ["validation_failed"], 401: ["unauthenticated"] },
    examples: [
      {
        name: "ok",
        summary: "All time",
        as: "student",
        query: { period: "all" },
        status: 200,
        response: { period: "all", items: [{ rank: 1, name: "Sam", handle: "sam-3kf9q", score: 0, isYou: true }] },
      },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});
