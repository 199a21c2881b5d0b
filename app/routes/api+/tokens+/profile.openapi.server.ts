import * as z from "zod";
import { profileUpdateSchema } from "~/modules/tokens/profiles.server";
import { defineRoute, UNAUTHENTICATED } from "~/modules/openapi/define.server";

const profile = z.object({ handle: z.string(), timeZone: z.string(), hiddenFromBoards: z.boolean() }).meta({ id: "LearnerProfile" });
const EXAMPLE = { handle: "ada-lovelace", timeZone: "Europe/Paris", hiddenFromBoards: false };

export default defineRoute("/api/tokens/profile", {
  get: {
    capability: "Tokens",
    summary: "Your learner profile",
    description:
      "Your public handle, the time zone your streak days follow, and whether you appear on leaderboards. A new profile gets a random `learner-…` handle, never one made from your name; choose your own with PATCH.",
    auth: { kind: "signed_in", permission: "read:tokens:own" },
    responses: { 200: { description: "Your profile.", schema: profile } },
    errors: { 401: ["unauthenticated"] },
    examples: [
      { name: "ok", summary: "Your profile", as: "student", status: 200, response: EXAMPLE },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
  patch: {
    capability: "Tokens",
    summary: "Change your learner profile",
    description:
      "Any of the three fields. An unknown time zone or a taken handle: 400 with field errors, and nothing is changed. Hiding takes effect at once: no board, not followable, no public profile.",
    auth: { kind: "signed_in", permission: "update:account:own" },
    body: { schema: profileUpdateSchema },
    responses: { 200: { description: "Your profile after the change.", schema: profile } },
    errors: { 400: ["bad_request", "validation_failed"], 401: ["unauthenticated"], 403: ["csrf_failed"] },
    examples: [
      { name: "ok", summary: "Hide from the boards", as: "student", body: { hiddenFromBoards: true, timeZone: "Europe/Paris" }, status: 200, response: { ...EXAMPLE, hiddenFromBoards: true } },
      { name: "invalid", summary: "Unknown time zone", as: "student", body: { timeZone: "Mars/Olympus" }, status: 400 },
    ],
  },
});
