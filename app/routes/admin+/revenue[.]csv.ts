import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import * as z from "zod";
import { loadRevenue, REVENUE_TABLES, revenueQuerySchema, revenueTable, toCsv } from "~/modules/analytics/revenue.server";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { readQuery } from "~/utils/forms.server";

/** GET /admin/revenue.csv?table=series|courses|instructors|purposes&period=&currency=&from=&to= — a table of /admin/revenue as CSV. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:metrics:any");
  const q = readQuery(app, request, revenueQuerySchema.extend({ table: z.enum(REVENUE_TABLES).default("series") }));
  const report = await loadRevenue(app, q);
  const { header, rows } = revenueTable(report, q.table);
  return new Response(toCsv(header, rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="revenue-${q.table}-${report.query.currency}-${report.query.from}-to-${report.query.to}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
