import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, courses } from "~drizzle/schema";
import { db, jsonBody, signedInAs } from "../helpers";
import { insertCourse } from "./helpers";

/* Admins archiving, unarchiving or unpublishing someone else's course leave an audit record (issue 11). */

const patch = (body: unknown) => jsonBody(body, { method: "PATCH" });
const auditOf = (courseId: string) => db().select().from(auditLog).where(eq(auditLog.targetId, courseId)).orderBy(auditLog.id).all();

describe("course moderation audit", () => {
  it("records who archived and unarchived which course, and why", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    const admin = await signedInAs("admin");

    const archived = await admin.browser.json(`/api/courses/${course.id}`, patch({ status: "archived", reason: "  Copyright complaint #42 " }));
    expect(archived.status).toBe(200);
    const unarchived = await admin.browser.json(`/api/courses/${course.id}`, patch({ status: "draft" }));
    expect(unarchived.status).toBe(200);

    const entries = await auditOf(course.id);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      actorId: admin.user.id,
      action: "course.archived",
      targetType: "course",
      targetId: course.id,
      metadata: { from: "published", to: "archived", instructorId: owner.user.id, title: course.title, reason: "Copyright complaint #42" },
    });
    expect(entries[0]!.requestId).toMatch(/^req_/);
    expect(entries[1]).toMatchObject({ actorId: admin.user.id, action: "course.unarchived", metadata: { from: "archived", to: "draft" } });
    expect(entries[1]!.metadata).not.toHaveProperty("reason");

    // Admins find them in the audit log.
    const listed = await admin.browser.json(`/api/audit?action=course.archived&targetId=${course.id}`);
    expect(listed.body.items).toHaveLength(1);
  });

  it("records an admin unpublishing from the course page", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    const admin = await signedInAs("admin");
    const response = await admin.browser.submit(`/courses/${course.slug}`, { intent: "unpublish", confirm: "yes" });
    expect(response.status).toBe(200);
    expect((await db().select().from(courses).where(eq(courses.id, course.id)).get())!.status).toBe("draft");
    expect(await auditOf(course.id)).toMatchObject([{ actorId: admin.user.id, action: "course.unpublished", metadata: { from: "published", to: "draft" } }]);
  });

  it("does not audit owners changing their own course, nor refused or no-op changes", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    expect((await owner.browser.json(`/api/courses/${course.id}`, patch({ status: "archived", reason: "retiring it" }))).status).toBe(200);
    expect((await owner.browser.json(`/api/courses/${course.id}`, patch({ status: "draft" }))).status).toBe(200);
    const admin = await signedInAs("admin");
    // Already a draft: nothing changes, nothing is recorded.
    expect((await admin.browser.json(`/api/courses/${course.id}`, patch({ status: "draft" }))).status).toBe(200);
    // Admins may not publish someone else's course: refused, not recorded.
    expect((await admin.browser.json(`/api/courses/${course.id}`, patch({ status: "published" }))).status).toBe(403);
    expect(await auditOf(course.id)).toEqual([]);
  });

  it("validates the reason", async () => {
    const owner = await signedInAs("instructor");
    const course = await insertCourse(owner.user.id, { priceAmount: 1500 });
    const admin = await signedInAs("admin");
    for (const reason of ["", "   ", 42, "x".repeat(501)]) {
      const res = await admin.browser.json(`/api/courses/${course.id}`, patch({ status: "archived", reason }));
      expect(res.status, JSON.stringify(reason)).toBe(400);
      expect(res.body.error.details.fieldErrors.reason).toBeDefined();
    }
    expect((await db().select().from(courses).where(and(eq(courses.id, course.id), eq(courses.status, "published"))).get())).toBeDefined();
    expect(await auditOf(course.id)).toEqual([]);
  });
});
