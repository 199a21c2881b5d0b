import * as z from "zod";
import { defineRoute, errorExample } from "~/modules/openapi/define.server";

export default defineRoute("/api/leaderboard/follows/{handle}", {
  delete: {
    capability: "Tokens",
    summary: "Stop following a learner",
    description: "204 whether or not you followed them; an unknown handle, or a learner who hides from the boards, is 404 and changes nothing.",
    auth: { kind: "signed_in", permission: "delete:follow:own" },
    params: z.object({ handle: z.string().meta({ example: "ada-lovelace" }) }),
    responses: { 204: { description: "Not following." } },
    errors: { 401: ["unauthenticated"], 403: ["csrf_failed"], 404: ["not_found"] },
    examples: [
      { name: "ok", summary: "Unfollow Ada", as: "student", params: { handle: "ada-lovelace" }, status: 204 },
      { name: "unknown", summary: "No such handle", as: "student", params: { handle: "nobody-here" }, status: 404, response: errorExample("not_found", "Learner not found.") },
    ],
  },
});
