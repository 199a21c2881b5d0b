import { humanize } from "~/components/status";

/** Shared by the revenue page and its server code (revenue.server.ts). */
export const PERIODS = ["day", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];
export const REVENUE_TABLES = ["series", "courses", "instructors", "purposes"] as const;
export type RevenueTable = (typeof REVENUE_TABLES)[number];

const PURPOSES: Record<string, string> = { course_purchase: "Course purchases", subscription: "Subscriptions" };
/** A payment purpose in words ("course_purchase" → "Course purchases"). */
export const purposeLabel = (p: string) => PURPOSES[p] ?? humanize(p);
