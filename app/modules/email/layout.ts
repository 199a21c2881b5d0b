import { html } from "./html";

/**
 * What a template says, independent of format. The layout turns it into both the HTML and the
 * plain-text body, so the two always carry the same facts.
 */
export type EmailContent = {
  subject: string;
  /** Inbox preview line (hidden in the body). */
  preheader: string;
  heading: string;
  greeting: string;
  paragraphs: string[];
  /** Label/value rows, e.g. a receipt. */
  facts?: Array<[label: string, value: string]>;
  button?: { label: string; url: string };
  /** Small print under the button. */
  footnote?: string;
};

export type RenderedEmail = { subject: string; html: string; text: string };

/** White-label branding of the recipient's organization (app/modules/licensing/branding.server.ts). */
export type EmailBrand = { name: string; logoUrl: string | null; primaryColor: string | null; supportEmail: string | null };

const MINT_DEFAULT = "#0f9d76";
const MINT_DARK = "#0b7a5c";
const INK = "#14213d";
const MUTED = "#5b6475";
const LINE = "#dde3ea";
const BG = "#f7faf9";
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/**
 * Members of a white-labelled organization read its name where an email says "Coursemint" (the
 * subject, heading and text); only the footer keeps "powered by Coursemint".
 */
function rebrand(c: EmailContent, brand: EmailBrand | null): EmailContent {
  if (!brand) return c;
  const swap = (s: string) => s.replace(/\bCoursemint\b/g, brand.name);
  return {
    ...c,
    subject: swap(c.subject),
    preheader: c.preheader ? swap(c.preheader) : c.preheader,
    heading: swap(c.heading),
    paragraphs: c.paragraphs.map(swap),
    footnote: c.footnote ? swap(c.footnote) : c.footnote,
  };
}

export function renderLayout(original: EmailContent, appUrl: string, brand?: EmailBrand | null): RenderedEmail {
  const content = rebrand(original, brand ?? null);
  return { subject: content.subject, html: renderHtml(content, appUrl, brand ?? null), text: renderText(content, appUrl, brand ?? null) };
}

function renderHtml(c: EmailContent, appUrl: string, brand: EmailBrand | null): string {
  const MINT = brand?.primaryColor && /^#[0-9a-fA-F]{6}$/.test(brand.primaryColor) ? brand.primaryColor : MINT_DEFAULT;
  const facts = c.facts?.length
    ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:20px 0;border:1px solid ${LINE};border-radius:8px;">
${c.facts.map(
  ([label, value], i) => html`<tr>
<td style="padding:10px 14px;font-size:14px;color:${MUTED};${i ? `border-top:1px solid ${LINE};` : ""}">${label}</td>
<td style="padding:10px 14px;font-size:14px;color:${INK};font-weight:600;text-align:right;word-break:break-word;${i ? `border-top:1px solid ${LINE};` : ""}">${value}</td>
</tr>
`,
)}</table>`
    : "";
  const button = c.button
    ? html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0;"><tr><td style="border-radius:8px;background:${MINT};">
<a href="${c.button.url}" style="display:inline-block;padding:12px 22px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:8px;">${c.button.label}</a>
</td></tr></table>
<p style="margin:0 0 16px;font-size:13px;color:${MUTED};word-break:break-all;">Or open this link: <a href="${c.button.url}" style="color:${MINT_DARK};">${c.button.url}</a></p>`
    : "";
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${c.subject}</title>
</head>
<body style="margin:0;padding:0;background:${BG};font-family:${FONT};color:${INK};">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;">${c.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:${BG};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;">
<tr><td style="padding:0 4px 16px;font-size:22px;font-weight:800;color:${MINT};">${brand?.logoUrl ? html`<img src="${brand.logoUrl}" alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px;">` : ""}${brand?.name ?? "Coursemint"}</td></tr>
<tr><td style="background:#ffffff;border:1px solid ${LINE};border-radius:10px;padding:28px 24px;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${INK};">${c.heading}</h1>
<p style="margin:0 0 16px;font-size:16px;line-height:1.5;">${c.greeting}</p>
${c.paragraphs.map((p) => html`<p style="margin:0 0 16px;font-size:16px;line-height:1.5;">${p}</p>
`)}${facts}${button}${c.footnote ? html`<p style="margin:16px 0 0;font-size:13px;line-height:1.5;color:${MUTED};">${c.footnote}</p>` : ""}
</td></tr>
<tr><td style="padding:16px 4px;font-size:12px;line-height:1.5;color:${MUTED};text-align:center;">
${brand ? html`${brand.name} · powered by Coursemint${brand.supportEmail ? html` · Support: <a href="mailto:${brand.supportEmail}" style="color:${MUTED};">${brand.supportEmail}</a>` : ""}` : "Coursemint · Learn, teach and grow"} · <a href="${appUrl}" style="color:${MUTED};">${hostOf(appUrl)}</a><br>
You receive this email because of activity on your Coursemint account.
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}

function renderText(c: EmailContent, appUrl: string, brand: EmailBrand | null): string {
  const lines: string[] = [c.heading, "=".repeat(Math.min(c.heading.length, 60)), "", c.greeting, ""];
  for (const p of c.paragraphs) lines.push(p, "");
  if (c.facts?.length) {
    const width = Math.max(...c.facts.map(([label]) => label.length));
    for (const [label, value] of c.facts) lines.push(`${`${label}:`.padEnd(width + 2)}${value}`);
    lines.push("");
  }
  if (c.button) lines.push(`${c.button.label}: ${c.button.url}`, "");
  if (c.footnote) lines.push(c.footnote, "");
  const signature = brand ? `${brand.name} · powered by Coursemint${brand.supportEmail ? ` · Support: ${brand.supportEmail}` : ""}` : "Coursemint";
  lines.push("--", `${signature} · ${appUrl}`, "You receive this email because of activity on your Coursemint account.", "");
  return lines.join("\n");
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
