/**
 * Page titles end in "· Coursemint"; members of a white-labelled organization read its name there
 * instead (the root loader's `brand`). Use in a route's meta: `branded(matches, "Billing · Coursemint")`.
 */
export function branded(matches: readonly { id: string; data?: unknown }[] | undefined, title: string): string {
  const root = matches?.find((m) => m.id === "root")?.data as { brand?: { name: string } | null } | undefined;
  const name = root?.brand?.name;
  return name ? title.replace(/ · Coursemint$/, ` · ${name}`) : title;
}
