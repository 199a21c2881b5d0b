/** Only same-site relative paths are followed after login (no open redirects). */
export function safeRedirect(to: FormDataEntryValue | string | null, fallback = "/account") {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
