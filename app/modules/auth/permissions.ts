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
  "update:payout-account:own", // start or finish Stripe Connect onboarding (where payouts go)
  "create:coupon:own", // instructors: promotion codes for their own courses (COUPON_POLICY)
  "create:coupon:any", // admins: promotion codes of any scope, and deactivating any code
  "read:email:any",
  "update:email:any", // resend failed emails
  // Payments (/docs/api#payments)
  "create:payment:own",
  "read:payment:own",
  "read:payment:any",
  "create:refund:any", // admins refund any payment and decide refund requests in review
  "create:refund:own", // learners ask for a refund of their own course purchases (refund policy)
  "read:stripe-event:any",
  "update:stripe-event:any", // replay failed webhook events
  "read:dispute:any", // admins: /admin/disputes
  "update:dispute:any", // admins: submit dispute evidence (audited)
  // Subscriptions (docs/subscriptions.md)
  "create:subscription:own",
  "read:subscription:own",
  "update:subscription:own", // change plan, cancel at period end, resume
  "update:subscription:any", // admins: cancel any subscription immediately
  // Reward tokens and leaderboards (docs/tokens.md)
  "read:tokens:own", // balance, streak, history, profile settings
  "read:tokens:any", // admins: any learner's history, token metrics
  "create:token-redemption:own", // spend tokens (streak freeze, course discount)
  "create:token-award:any", // admins: award or adjust with a reason (audited)
  "read:leaderboard:any", // public boards
  "create:follow:own",
  "delete:follow:own",
  // Enterprise licensing (docs/licensing.md); "own" = organizations the user belongs to (their role there decides the rest)
  "read:organization:own",
  "update:organization:own",
  "read:organization:any",
  "update:organization:any",
  "create:license:any",
  "update:license:any",
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
  "create:refund:own",
  "create:subscription:own",
  "read:subscription:own",
  "update:subscription:own",
  "read:organization:own",
  "update:organization:own",
];

const LEARNER_TOKENS: Permission[] = ["read:tokens:own", "create:token-redemption:own", "read:leaderboard:any", "create:follow:own", "delete:follow:own"];

const INSTRUCTOR: Permission[] = ["create:course:own", "update:course:own", "read:earnings:own", "update:payout-account:own", "create:coupon:own"];

const LICENSING_ADMIN: Permission[] = ["read:organization:any", "update:organization:any", "create:license:any", "update:license:any"];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  student: [...MEMBER, ...LEARNER_TOKENS, "update:role:own"],
  instructor: [...MEMBER, ...LEARNER_TOKENS, ...INSTRUCTOR],
  enterprise: [...MEMBER, ...LEARNER_TOKENS],
  admin: [...MEMBER, "read:user:any", "update:role:any", "read:audit-log:any", "read:metrics:any", "read:email:any", "update:email:any", ...INSTRUCTOR, "update:course:any", "create:coupon:any",
    "read:payment:any", "create:refund:any", "read:stripe-event:any", "update:stripe-event:any", "read:dispute:any", "update:dispute:any",
    "update:subscription:any", ...LEARNER_TOKENS, "read:tokens:any", "create:token-award:any",
    ...LICENSING_ADMIN],
};

export function hasPermission(user: { role: Role } | null | undefined, permission: Permission): boolean {
  return !!user && ROLE_PERMISSIONS[user.role].includes(permission);
}

/** Where a role lands after logging in when no page was asked for: the dashboard of what it does. */
export function landingPath(role: Role): string {
  return role === "admin" ? "/admin" : role === "instructor" ? "/instructor" : "/learning";
}
