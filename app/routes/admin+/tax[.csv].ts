import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { taxReport, taxReportCsv, taxReportSchema } from "~/modules/payments/tax-report.server";
import { readQuery } from "~/utils/forms.server";

/** The tax report of /admin/tax as a CSV download (amounts in minor units), for filing. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:payment:any");
  const filter = readQuery(app, request, taxReportSchema);
  const name = `coursemint-tax${filter.from ? `-${filter.from}` : ""}${filter.to ? `-to-${filter.to}` : ""}.csv`;
  return new Response(taxReportCsv(await taxReport(app, filter)), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "private, no-store" },
  });
}
