import { Link } from "@remix-run/react";
import type { SentencePart } from "~/modules/audit/sentences";
import { useFormat } from "~/utils/format";
import { When } from "./when";

/** The URL of a user's page in the admin area (the audit log links people there). */
export const adminUserPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** An audit sentence (app/modules/audit/sentences.ts): people linked, money and dates for the viewer. */
export function AuditSentence({ parts }: { parts: readonly SentencePart[] }) {
  const f = useFormat();
  return (
    <span className="audit-sentence">
      {parts.map((p, i) => {
        switch (p.t) {
          case "text":
            return <span key={i}>{p.text}</span>;
          case "code":
            return <code key={i}>{p.text}</code>;
          case "user":
            return (
              <Link key={i} to={adminUserPath(p.id)}>
                {p.name}
              </Link>
            );
          case "money":
            return (
              <span key={i} className="money">
                {f.money(p.amount, p.currency)}
              </span>
            );
          case "dateTime":
            return <When key={i} ms={p.ms} as="dateTime" />;
          case "count":
            return <span key={i}>{f.plural(p.value, p.one, p.many)}</span>;
        }
      })}
    </span>
  );
}
