import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { Money } from "~/components/money";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { TAX_POLICY } from "~/modules/payments/tax";
import { taxReport, taxReportSchema, type TaxReportRow } from "~/modules/payments/tax-report.server";
import { readQuery } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Tax report · Admin · Coursemint" }];

/** Tax collected by jurisdiction and month, refunds netted (the CSV for filing: /admin/tax.csv). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  await requireUserWithPermission(app, request, "read:payment:any");
  const filter = readQuery(app, request, taxReportSchema);
  const rows = await taxReport(app, filter);
  return { rows, filter: { from: filter.from ?? "", to: filter.to ?? "" } };
}

export default function AdminTax() {
  const { rows, filter } = useLoaderData<typeof loader>();
  const csv = `/admin/tax.csv?${new URLSearchParams({ ...(filter.from ? { from: filter.from } : {}), ...(filter.to ? { to: filter.to } : {}) })}`;
  return (
    <section className="stack">
      <h1>Tax report</h1>
      <p className="muted">
        Tax collected at checkout by month and jurisdiction, less the tax given back in refunds (in the month of the refund). Amounts are in the currency charged. Seller: {TAX_POLICY.seller.name}, {TAX_POLICY.seller.taxIdLabel} {TAX_POLICY.seller.taxId}.
      </p>
      <Form method="get" className="filters">
        <label>
          From month
          <input type="month" name="from" defaultValue={filter.from} />
        </label>
        <label>
          To month
          <input type="month" name="to" defaultValue={filter.to} />
        </label>
        <button type="submit" className="button secondary">
          Show
        </button>
        <a className="button" href={csv} download data-testid="tax-csv">
          Download CSV
        </a>
      </Form>
      {rows.length === 0 ? (
        <EmptyState title="No taxed sales in this period">Sales paid through Checkout appear here once Stripe has confirmed them.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table-cards" data-testid="tax-report">
            <caption>Tax by month and jurisdiction</caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <th scope="col">Jurisdiction</th>
                <th scope="col" className="num">Sales</th>
                <th scope="col" className="num">Net sales</th>
                <th scope="col" className="num">Tax collected</th>
                <th scope="col" className="num">Tax refunded</th>
                <th scope="col" className="num">Tax due</th>
                <th scope="col" className="num">Reverse charge (net)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r: TaxReportRow) => (
                <tr key={`${r.month}|${r.country}|${r.state}|${r.jurisdiction}|${r.currency}`}>
                  <td data-label="Month">{r.month}</td>
                  <td data-label="Jurisdiction">
                    {r.jurisdiction} <span className="muted">({[r.country, r.state].filter(Boolean).join("-")}, {r.currency.toUpperCase()})</span>
                  </td>
                  <td data-label="Sales" className="num">
                    {r.sales}
                    {r.refunds ? ` (${r.refunds} refunded)` : ""}
                  </td>
                  <td data-label="Net sales" className="num">
                    <Money amount={r.netSales} currency={r.currency} />
                  </td>
                  <td data-label="Tax collected" className="num">
                    <Money amount={r.taxCollected} currency={r.currency} />
                  </td>
                  <td data-label="Tax refunded" className="num">
                    <Money amount={r.taxRefunded} currency={r.currency} />
                  </td>
                  <td data-label="Tax due" className="num">
                    <strong>
                      <Money amount={r.taxNet} currency={r.currency} />
                    </strong>
                  </td>
                  <td data-label="Reverse charge (net)" className="num">
                    <Money amount={r.reverseChargeSales} currency={r.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <Link to="/admin/payments">Payments</Link> · <Link to="/admin">Admin</Link>
      </p>
    </section>
  );
}
