import { useFormat } from "~/utils/format";

/**
 * A point in time as a <time> element in the viewer's locale and time zone; the title gives the
 * full timestamp (and says when it is UTC because the viewer's time zone is not known yet).
 * `as`: "date" (default), "dateTime" or "relative" ("3 days ago"). Null/undefined renders `empty`.
 */
export function When({ ms, as = "date", empty = "—" }: { ms: number | null | undefined; as?: "date" | "dateTime" | "relative"; empty?: React.ReactNode }) {
  const f = useFormat();
  if (ms == null) return <>{empty}</>;
  const text = as === "relative" ? f.relative(ms) : as === "dateTime" ? f.dateTime(ms) : f.date(ms);
  return (
    <time dateTime={new Date(ms).toISOString()} title={f.full(ms)} suppressHydrationWarning={as === "relative"}>
      {text}
    </time>
  );
}
