import * as z from "zod";
import { followSchema } from "~/modules/tokens/leaderboard.server";
import { defineRoute, errorExample, timestamp, UNAUTHENTICATED } from "~/modules/openapi/define.server";

export default defineRoute("/api/leaderboard/follows", {
  get: {
    capability: "Tokens",
    summary: "Learners you follow",
    description: "Newest first, at most 200; learners who have since hidden themselves are left out.",
    auth: { kind: "signed_in", permission: "read:leaderboard:any" },
    responses: { 200: { description: "Who you follow.", schema: z.object({ items: z.array(z.object({ handle: z.string(), name: z.string(), since: timestamp })) }) } },
    errors: { 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "Who you follow", as: "student", status: 200, response: { items: [{ handle: "ada-lovelace", name: "Ada", since: 1795750000000 }] } },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
  post: {
    capability: "Tokens",
    summary: "Follow a learner",
    description:
      "By handle; idempotent. At most 200 follows: past it, 409 `conflict` with `details.reason` `limit_reached` (the limit is part of the insert itself, so concurrent follows cannot pass it); " +
      "yourself: 400; an unknown handle or a learner who hides from the boards: 404.",
    auth: { kind: "signed_in", permission: "create:follow:own" },
    body: { schema: followSchema },
    responses: { 201: { description: "Following.", schema: z.object({ following: z.object({ handle: z.string(), name: z.string() }) }) } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["csrf_failed"], 404: ["not_found"], 409: ["conflict"] },
    examples: [
      { name: "ok", summary: "Follow Ada", as: "student", body: { handle: "ada-lovelace" }, status: 201, response: { following: { handle: "ada-lovelace", name: "Ada" } } },
      { name: "unknown", summary: "No such handle", as: "student", body: { handle: "nobody-here" }, status: 404, response: errorExample("not_found", "Learner not found.") },
    ],
  },
});
