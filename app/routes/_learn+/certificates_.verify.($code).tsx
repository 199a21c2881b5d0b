import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Icon } from "~/components/icon";
import { When } from "~/components/when";
import { branded } from "~/utils/meta";
import { findCertificate, formatCertificateCode, normalizeCertificateCode, publicCertificate } from "~/modules/marketplace/certificates.server";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  {
    title: branded(
      matches,
      data?.state === "found"
        ? `Certificate of ${data.certificate.learnerName} · ${data.certificate.courseTitle} · Coursemint`
        : data?.state === "not_found"
          ? "Certificate not found · Coursemint"
          : "Verify a certificate · Coursemint",
    ),
  },
  // Names are shown to those who have the link, not to search engines.
  { name: "robots", content: "noindex" },
];

/**
 * Public (no sign-in): checks a certificate by its code. `/certificates/verify` asks for a code
 * (a GET form, so it works without JavaScript); `/certificates/verify/:code` answers valid, revoked
 * or not found (404), with only what the certificate itself shows.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const typed = new URL(request.url).searchParams.get("code");
  if (!params.code) {
    if (typed === null) return data({ state: "ask" as const, typed: "" });
    const code = normalizeCertificateCode(typed);
    if (code) throw redirect(`/certificates/verify/${formatCertificateCode(code)}`);
    return data(
      { state: "invalid" as const, typed: typed.slice(0, 60) },
      { status: 400, headers: { "Cache-Control": "no-store" } },
    );
  }
  const cert = await findCertificate(app, params.code);
  const headers = { "Cache-Control": "no-store" };
  if (!cert) return data({ state: "not_found" as const, typed: params.code.slice(0, 60) }, { status: 404, headers });
  // The canonical form of the code in the address (so a shared link always reads the same).
  const canonical = formatCertificateCode(cert.code);
  if (params.code !== canonical) throw redirect(`/certificates/verify/${canonical}`);
  return data({ state: "found" as const, certificate: publicCertificate(cert) }, { headers });
}

function CodeForm({ typed, invalid }: { typed: string; invalid?: boolean }) {
  return (
    <Form method="get" action="/certificates/verify" className="stack" aria-labelledby="verify-form-title">
      <h2 id="verify-form-title">Check a certificate</h2>
      <div className="field">
        <label htmlFor="certificate-code">Certificate code</label>
        <p className="muted" id="certificate-code-hint">
          Printed at the bottom of the certificate: 20 letters and digits, for example 7K3QW-9ZXTM-0B1CD-EFGH2.
        </p>
        <input
          id="certificate-code"
          name="code"
          defaultValue={typed}
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={40}
          aria-describedby={invalid ? "certificate-code-hint certificate-code-error" : "certificate-code-hint"}
          aria-invalid={invalid || undefined}
        />
        {invalid ? (
          <ul className="field-errors" id="certificate-code-error" role="alert">
            <li>That is not a certificate code: a code has 20 letters and digits.</li>
          </ul>
        ) : null}
      </div>
      <p>
        <button type="submit" className="button">
          Check
        </button>
      </p>
    </Form>
  );
}

export default function VerifyCertificate() {
  const result = useLoaderData<typeof loader>();
  if (result.state === "found") {
    const c = result.certificate;
    const valid = c.status === "valid";
    return (
      <section className="stack" data-testid="certificate-verification" data-status={c.status}>
        <p className="muted">Coursemint certificate verification</p>
        {valid ? (
          <p className="alert success" role="status">
            <Icon name="check-circle" /> This is a genuine Coursemint certificate of completion.
          </p>
        ) : (
          <p className="alert error" role="status">
            This certificate was revoked{c.revokedAt ? <> on <When ms={c.revokedAt} /></> : null}: the learner's access to the course was withdrawn
            (a refund or a dispute). It no longer certifies completion.
          </p>
        )}
        <div className="card stack">
          <h1>{c.learnerName}</h1>
          <dl className="facts">
            <dt>Course</dt>
            <dd>{c.courseTitle}</dd>
            <dt>Instructor</dt>
            <dd>{c.instructorName}</dd>
            <dt>Completed on</dt>
            <dd>
              <When ms={c.completedAt} />
            </dd>
            <dt>Certificate code</dt>
            <dd>{c.code}</dd>
            <dt>Status</dt>
            <dd>{valid ? "Valid" : "Revoked"}</dd>
          </dl>
        </div>
        <p className="muted">
          Coursemint shows only what the certificate itself says. <Link to="/certificates/verify">Check another certificate</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="stack">
      <h1>{result.state === "not_found" ? "Certificate not found" : "Verify a certificate"}</h1>
      {result.state === "not_found" ? (
        <p className="alert error" role="status" data-testid="certificate-not-found">
          No Coursemint certificate has the code {result.typed}. Check the code against the certificate (letters and digits, in groups of five);
          a certificate that cannot be found here is not genuine.
        </p>
      ) : (
        <p>Anyone can check that a Coursemint certificate of completion is genuine: enter the code printed on it.</p>
      )}
      <CodeForm typed={result.state === "not_found" ? "" : result.typed} invalid={result.state === "invalid"} />
    </section>
  );
}
