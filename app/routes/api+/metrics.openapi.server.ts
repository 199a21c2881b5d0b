import * as z from "zod";
import { currency, defineRoute, FORBIDDEN, money, timestamp } from "~/modules/openapi/define.server";

const counts = z.record(z.string(), z.number().int());
const sums = z.array(z.object({ currency, n: z.number().int(), amount: money() }));

export default defineRoute("/api/metrics", {
  get: {
    capability: "Operations",
    summary: "Operator metrics (admin)",
    description:
      "Aggregates from D1 for dashboards and alerts (an admin's API key works for scrapers). `webhooks.oldestOpenAgeMs` is the age of the oldest " +
      "Stripe event still received or failed (null when none): alert when it grows.",
    auth: { kind: "signed_in", permission: "read:metrics:any" },
    responses: {
      200: {
        description: "The figures.",
        schema: z.object({
          generatedAt: timestamp,
          windowMs: z.number().int(),
          payments: z.object({ byStatus: counts, succeededInWindow: sums, refundedInWindow: sums }),
          webhooks: z.object({ byStatus: counts, oldestOpenAgeMs: z.number().int().nullable() }),
          emails: z.object({ byStatus: counts }),
          subscriptions: z.object({ byTierAndStatus: counts }),
          marketplace: z.object({ coursesByStatus: counts, enrollmentsInWindow: z.number().int(), payoutsByStatus: counts }),
          tokens: z
            .object({
              awarded: z.number().int(),
              redeemed: z.number().int(),
              awardedInWindow: z.number().int(),
              redeemedInWindow: z.number().int(),
              wallets: z.number().int(),
              outstanding: z.number().int().meta({ description: "Available + held across wallets: the platform's liability." }),
              held: z.number().int(),
            })
            .meta({ description: "Reward tokens, all time and in the window." }),
        }),
      },
    },
    errors: { 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      {
        name: "ok",
        summary: "The last 24 hours",
        as: "admin",
        status: 200,
        response: {
          generatedAt: 1795750000000,
          windowMs: 86400000,
          payments: { byStatus: { succeeded: 120, failed: 4 }, succeededInWindow: [{ currency: "usd", n: 12, amount: 59988 }], refundedInWindow: [{ currency: "usd", n: 1, amount: 4999 }] },
          webhooks: { byStatus: { processed: 300, ignored: 40, failed: 1 }, oldestOpenAgeMs: 600000 },
          emails: { byStatus: { sent: 130, failed: 0 } },
          subscriptions: { byTierAndStatus: { "pro:active": 8 } },
          marketplace: { coursesByStatus: { published: 10 }, enrollmentsInWindow: 14, payoutsByStatus: { paid: 3 } },
          tokens: { awarded: 52000, redeemed: 9000, awardedInWindow: 1200, redeemedInWindow: 400, wallets: 310, outstanding: 43000, held: 500 },
        },
      },
      { name: "forbidden", summary: "Not an admin", as: "student", status: 403, response: FORBIDDEN },
    ],
  },
});
