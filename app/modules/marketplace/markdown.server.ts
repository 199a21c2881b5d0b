import MarkdownIt from "markdown-it";

/**
 * Module notes written in Markdown, rendered to HTML that is safe to put in our pages:
 * - raw HTML in the source is never passed through (`html: false`: it is shown as text), so no
 *   `<script>`, `<iframe>`, `on*=` attribute or `style` can come from an upload;
 * - links and images keep only safe protocols (http, https, mailto, and relative addresses);
 *   anything else (`javascript:`, `data:`, `vbscript:`, `file:` …) is left as plain text;
 * - images from other sites become links (the page's CSP would block them anyway);
 * - external links open with `rel="nofollow noopener noreferrer"`;
 * - code blocks can take keyboard focus (they scroll sideways on narrow screens).
 * markdown-it escapes every text and attribute it writes.
 */
const SAFE_SCHEMES = new Set(["http", "https", "mailto"]);

/** Relative addresses and http(s)/mailto only. */
export function isSafeUrl(url: string) {
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:"): drop them first.
  const normalised = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(normalised)?.[1]?.toLowerCase();
  return scheme === undefined || SAFE_SCHEMES.has(scheme);
}

const md = new MarkdownIt({ html: false, linkify: true, typographer: true, breaks: false });
md.validateLink = isSafeUrl;

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = String(tokens[idx]!.attrGet("href") ?? "");
  if (/^(https?:)?\/\//i.test(href)) tokens[idx]!.attrSet("rel", "nofollow noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet("src") ?? "");
  const alt = String(self.renderInlineAsText(token.children ?? [], options, env));
  if (/^(https?:)?\/\//i.test(src)) {
    return `<a href="${md.utils.escapeHtml(src)}" rel="nofollow noopener noreferrer">${md.utils.escapeHtml(alt || src)}</a>`;
  }
  return `<img src="${md.utils.escapeHtml(src)}" alt="${md.utils.escapeHtml(alt)}" loading="lazy">`;
};

// Code blocks scroll sideways on a phone: focusable, so keyboard users can scroll them too.
for (const rule of ["fence", "code_block"] as const) {
  const render = md.renderer.rules[rule]!;
  md.renderer.rules[rule] = (tokens, idx, options, env, self) => render(tokens, idx, options, env, self).replace(/^<pre>/, '<pre tabindex="0">');
}

/** Markdown text → sanitized HTML (see above). Very long notes are cut to keep pages bounded. */
export function renderMarkdown(source: string): string {
  return md.render(source.slice(0, 200_000));
}
