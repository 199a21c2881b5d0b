import * as z from "zod";
import { PAYOUT_STATUSES } from "~drizzle/schema/enums";
import { currency, defineRoute, FORBIDDEN, idOf, money, timestamp } from "~/modules/openapi/define.server";

const totals = { pending: money("Held 30 days (a refund inside the window reverses it)."), available: money("Due in the next payout."), paid: money() };

export default defineRoute("/api/instructor/earnings", {
  get: {
    capability: "Marketplace",
    summary: "Your earnings (instructors)",
    description: "Your 70% of each sale, by state, per course and per month, and your payouts (Stripe Connect transfers).",
    auth: { kind: "signed_in", permission: "read:earnings:own" },
    responses: {
      200: {
        description: "Totals per currency, per course, per month, and payouts.",
        schema: z.object({
          totals: z.array(z.object({ currency, ...totals })),
          perCourse: z.array(z.object({ courseId: idOf("crs"), title: z.string(), slug: z.string(), currency, sales: z.number().int(), ...totals })),
          perMonth: z.array(z.object({ month: z.string().regex(/^\d{4}-\d{2}$/), currency, ...totals })),
          payouts: z.array(z.object({ id: idOf("po"), amount: money(), currency, status: z.enum(PAYOUT_STATUSES), stripeTransferId: z.string().nullable(), createdAt: timestamp, paidAt: timestamp.nullable() })),
          disputed: z
            .array(
              z.object({
                paymentId: idOf("pay"),
                courseId: idOf("crs"),
                title: z.string(),
                currency,
                amount: money("Your earning from the disputed sale."),
                at: timestamp,
                state: z.enum(["frozen", "recovered", "reinstated", "lost"]).meta({ description: "frozen: still held, not paid until the bank decides; recovered: already paid out, taken from later earnings (available can be negative, carried forward); reinstated: the dispute was won and the earning given back; lost: the bank decided for the learner and the earning stays reversed." }),
              }),
            )
            .meta({ description: "Sales a learner disputed with their bank (chargebacks)." }),
        }),
      },
    },
    errors: { 401: ["unauthenticated"], 403: ["forbidden"] },
    examples: [
      {
        name: "ok",
        summary: "One sale, still held",
        as: "instructor",
        status: 200,
        response: {
          totals: [{ currency: "usd", pending: 3500, available: 0, paid: 0 }],
          perCourse: [{ courseId: "crs_01jdxa7q2m3n4p5r6s7t8v9w0x", title: "SQL for analysts", slug: "sql-for-analysts", currency: "usd", sales: 1, pending: 3500, available: 0, paid: 0 }],
          perMonth: [{ month: "2026-11", currency: "usd", pending: 3500, available: 0, paid: 0 }],
          payouts: [],
          disputed: [],
        },
      },
      { name: "forbidden", summary: "Not an instructor", as: "student", status: 403, response: FORBIDDEN },
    ],
  },
});
