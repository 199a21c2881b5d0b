import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { AppContext } from "~/context.server";
import type { SessionUser } from "~/modules/auth/session.server";
import { now } from "~/utils/clock";
import { stripeCustomers } from "~drizzle/schema";

/** The user's Stripe customer, created once (idempotently) and stored. */
export async function ensureCustomer(app: AppContext, stripe: Stripe, user: Pick<SessionUser, "id" | "email" | "name">) {
  const existing = await app.db.select().from(stripeCustomers).where(eq(stripeCustomers.userId, user.id)).get();
  if (existing) return existing.stripeCustomerId;
  const customer = await stripe.customers.create(
    { email: user.email, name: user.name, metadata: { userId: user.id } },
    { idempotencyKey: `customer-${user.id}` },
  );
  await app.db.insert(stripeCustomers).values({ userId: user.id, stripeCustomerId: customer.id, createdAt: now() }).onConflictDoNothing().run();
  return customer.id;
}
