import { Form, Link, useSearchParams } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { NextPageLink } from "~/components/pagination";

/**
 * A filtered, cursor-paginated list of records (payments, token entries, audit entries): a GET filter
 * form whose values live in the URL, a table that turns into one card per row under 640px, an empty
 * state, and the link to the next page. Pages describe their filters and columns; this draws them.
 */
export type HistoryFilter =
  | { name: string; label: string; type: "select"; options: readonly (readonly [value: string, label: string])[]; anyLabel?: string }
  | { name: string; label: string; type: "text" | "date" | "email"; hint?: string };

export type HistoryColumn<T> = { label: string; cell: (row: T) => React.ReactNode; className?: string };

export function HistoryFilters({ filters, keep = [] }: { filters: readonly HistoryFilter[]; keep?: string[] }) {
  const [params] = useSearchParams();
  const active = filters.some((f) => params.get(f.name));
  const cleared = new URLSearchParams();
  for (const name of keep) if (params.get(name)) cleared.set(name, params.get(name)!);
  return (
    <Form method="get" className="inline-form" aria-label="Filter">
      {keep.map((name) => (params.get(name) ? <input key={name} type="hidden" name={name} value={params.get(name)!} /> : null))}
      {filters.map((f) => {
        const id = `filter-${f.name}`;
        return (
          <div className="field" key={f.name}>
            <label htmlFor={id}>{f.label}</label>
            {f.type === "select" ? (
              <select id={id} name={f.name} defaultValue={params.get(f.name) ?? ""}>
                <option value="">{f.anyLabel ?? "Any"}</option>
                {f.options.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            ) : (
              <input id={id} name={f.name} type={f.type} defaultValue={params.get(f.name) ?? ""} aria-describedby={f.type !== "date" && f.hint ? `${id}-hint` : undefined} />
            )}
            {f.type !== "select" && f.type !== "date" && f.hint ? (
              <p className="hint" id={`${id}-hint`}>
                {f.hint}
              </p>
            ) : null}
          </div>
        );
      })}
      <button type="submit" className="secondary">
        Filter
      </button>
      {active ? <Link to={`?${cleared}`}>Clear filters</Link> : null}
    </Form>
  );
}

export function HistoryTable<T>({
  rows,
  columns,
  rowKey,
  caption,
  testId,
  rowProps,
}: {
  rows: readonly T[];
  columns: readonly HistoryColumn<T>[];
  rowKey: (row: T) => string;
  caption?: string;
  testId?: string;
  rowProps?: (row: T) => React.HTMLAttributes<HTMLTableRowElement> & { "data-testid"?: string };
}) {
  return (
    <table className="table-cards" data-testid={testId}>
      {caption ? <caption className="sr-only">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col" className={c.className}>
              {c.label || <span className="sr-only">Actions</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} {...rowProps?.(row)}>
            {columns.map((c, i) => (
              <td key={i} className={c.className} data-label={c.label || undefined}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Filters, then the table (or the empty state), then "older" link. */
export function History<T>({
  filters,
  keep,
  empty,
  nextCursor,
  nextLabel = "Older entries →",
  drop,
  ...table
}: Parameters<typeof HistoryTable<T>>[0] & {
  filters?: readonly HistoryFilter[];
  keep?: string[];
  empty: { title: string; body?: React.ReactNode; action?: React.ReactNode };
  nextCursor?: string | null;
  nextLabel?: string;
  drop?: string[];
}) {
  const [params] = useSearchParams();
  const filtered = filters?.some((f) => params.get(f.name)) ?? false;
  return (
    <div className="stack">
      {filters ? <HistoryFilters filters={filters} keep={keep} /> : null}
      {table.rows.length === 0 ? (
        filtered ? (
          <EmptyState title="Nothing matches these filters" action={<Link to="?">Clear filters</Link>} />
        ) : (
          <EmptyState title={empty.title} action={empty.action}>
            {empty.body}
          </EmptyState>
        )
      ) : (
        <HistoryTable {...table} />
      )}
      <NextPageLink cursor={nextCursor ?? null} drop={drop}>
        {nextLabel}
      </NextPageLink>
    </div>
  );
}
