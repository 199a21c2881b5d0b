import * as z from "zod";
import { defineRoute, UNAUTHENTICATED } from "~/modules/openapi/define.server";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).meta({ description: "A calendar day in the learner's time zone." });

export default defineRoute("/api/tokens/balance", {
  get: {
    capability: "Tokens",
    summary: "Your token balance and streak",
    description: "Available and held tokens, the learning streak (with the last 28 days in your time zone) and streak freezes.",
    auth: { kind: "signed_in", permission: "read:tokens:own" },
    responses: {
      200: {
        description: "Your wallet.",
        schema: z.object({
          balance: z.number().int().nonnegative(),
          held: z.number().int().nonnegative().meta({ description: "Held for a course discount until its payment settles." }),
          streak: z.object({
            current: z.number().int().nonnegative(),
            longest: z.number().int().nonnegative(),
            activeToday: z.boolean(),
            atRisk: z.boolean(),
            lastActiveDay: day.nullable(),
            today: day,
            timeZone: z.string(),
            days: z.array(z.object({ day, kind: z.enum(["active", "frozen", "none"]) })),
          }),
          freezes: z.object({ held: z.number().int().nonnegative(), max: z.number().int(), price: z.number().int() }),
        }),
      },
    },
    errors: { 401: ["unauthenticated"] },
    examples: [
      {
        name: "ok",
        summary: "A three-day streak",
        as: "student",
        status: 200,
        response: {
          balance: 260,
          held: 0,
          streak: {
            current: 3,
            longest: 5,
            activeToday: true,
            atRisk: false,
            lastActiveDay: "2026-11-27",
            today: "2026-11-27",
            timeZone: "Europe/Paris",
            days: [
              { day: "2026-11-25", kind: "active" },
              { day: "2026-11-26", kind: "frozen" },
              { day: "2026-11-27", kind: "active" },
            ],
          },
          freezes: { held: 1, max: 2, price: 200 },
        },
      },
      { name: "anonymous", summary: "No credentials", as: "anonymous", status: 401, response: UNAUTHENTICATED },
    ],
  },
});
