import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliased } from "~/utils/db.server";
import { licenses, organizations } from "~drizzle/schema";
import { db } from "../helpers";
import { issueLicense } from "../licensing/helpers";

// D1 answers batched statements as object rows keyed by column name and Drizzle reads them back by
// position, so two selected columns with one name shift every later value (drizzle-orm#6038). That
// once gave organization members the Free tier: their seat's `tier` read the licence's expiry.
describe("db.batch column names", () => {
  it("refuses a batched selection that repeats a column name, and reads the aliased one correctly", async () => {
    const { license } = await issueLicense({ tier: "enterprise", maxSeats: 3 });
    const joined = (licenseId: unknown) =>
      db()
        .select({ organizationId: organizations.id, name: organizations.name, licenseId: licenseId as typeof licenses.id, tier: licenses.tier, maxSeats: licenses.maxSeats })
        .from(organizations)
        .innerJoin(licenses, eq(licenses.organizationId, organizations.id))
        .where(eq(licenses.id, license.id));

    await expect(db().batch([joined(licenses.id)])).rejects.toThrow(/"organizationId" and "licenseId" are both selected as column "id"/);
    // The same query on its own is read as arrays and is right: only batches are guarded.
    expect(await joined(licenses.id).get()).toMatchObject({ organizationId: license.organizationId, licenseId: license.id, tier: "enterprise", maxSeats: 3 });

    const [rows] = await db().batch([joined(aliased(licenses.id, "license_id"))]);
    expect(rows).toEqual([{ organizationId: license.organizationId, name: expect.stringMatching(/^Org /), licenseId: license.id, tier: "enterprise", maxSeats: 3 }]);
  });
});
