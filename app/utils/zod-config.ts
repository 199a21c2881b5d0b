import * as z from "zod";

/**
 * zod 4 compiles object schemas with `new Function` when it can, and probes for that with an
 * eval at schema creation, which the pages' CSP (no 'unsafe-eval') reports as a violation. The
 * interpreted parser is just as correct. Imported first by app/root.tsx, so it runs before any
 * route module creates a schema in the browser.
 */
z.config({ jitless: true });
