import { Link, useSearchParams } from "@remix-run/react";

/**
 * Link to the next page of a cursor-paginated list: the current query (filters kept) with
 * `cursor` set, minus any one-off parameters in `drop`. Renders nothing on the last page.
 */
export function NextPageLink({ cursor, children, drop = [] }: { cursor: string | null; children: React.ReactNode; drop?: string[] }) {
  const [params] = useSearchParams();
  if (!cursor) return null;
  const next = new URLSearchParams(params);
  for (const name of drop) next.delete(name);
  next.set("cursor", cursor);
  return (
    <Link to={`?${next}`} rel="next">
      {children}
    </Link>
  );
}
