import type { Role } from "~drizzle/schema/enums";

export { ROLES, type Role } from "~drizzle/schema/enums";

/**
 * Permission strings are `action:entity:access`, where access is `own` (the caller's own
 * records) or `any`. Shared by server guards and by the UI, which hides what a role cannot do.
 */
export const PERMISSIONS = [
  "read:account:own",
  "update:account:own",
  "create:api-token:own",
  "delete:api-token:own",
  "delete:session:own",
  "update:role:own", // student → instructor self-service only
  "read:user:any",
  "update:role:any",
  "read:audit-log:any",
  "read:metrics:any",
  // Marketplace (docs/marketplace.md)
  "create:enrollment:own", // enroll in free courses, buy paid ones
  "update:progress:own",
  "create:review:own",
  "create:course:own",
  "update:course:own",
  "update:course:any", // admins unpublish any course
  "read:earnings:own",
  "read:email:any",
  "update:email:any", // resend failed emails
  // Payments (/docs/api#payments)
  "create:payment:own",
  "read:payment:own",
  "read:payment:any",
  "create:refund:any",
  "read:stripe-event:any",
  "update:stripe-event:any", // replay failed webhook events
  // Subscriptions (docs/subscriptions.md)
  "create:subscription:own",
  "read:subscription:own",
  "update:subscription:own", // change plan, cancel at period end, resume
  "update:subscription:any", // admins: cancel any subscription immediately
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MEMBER: Permission[] = [
  "read:account:own",
  "update:account:own",
  "create:api-token:own",
  "delete:api-token:own",
  "delete:session:own",
  "create:enrollment:own",
  "update:progress:own",
  "create:review:own",
  "create:payment:own",
  "read:payment:own",
  "create:subscription:own",
  "read:subscription:own",
  "update:subscription:own",
];

const INSTRUCTOR: Permission[] = ["create:course:own", "update:course:own", "read:earnings:own"];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  student: [...MEMBER, "update:role:own"],
  instructor: [...MEMBER, ...INSTRUCTOR],
  enterprise: MEMBER,
  admin: [...MEMBER, "read:user:any", "update:role:any", "read:audit-log:any", "read:metrics:any", "read:email:any", "update:email:any", ...INSTRUCTOR, "update:course:any",
    "read:payment:any", "create:refund:any", "read:stripe-event:any", "update:stripe-event:any",
    "update:subscription:any"],
};

export function hasPermission(user: { role: Role } | null | undefined, permission: Permission): boolean {
  return !!user && ROLE_PERMISSIONS[user.role].includes(permission);
}
