/** Enum values shared by columns, zod schemas and the UI. Plain constants: safe to import in browser code. */
export const ROLES = ["student", "instructor", "enterprise", "admin"] as const;
export type Role = (typeof ROLES)[number];
