import { CoursePrice } from "~/components/course-price";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { Avatar, CourseCover } from "~/components/course-cover";
import { StarRating } from "~/components/stars";
import { getPublicInstructor } from "~/modules/marketplace/profiles.server";
import { CATEGORY_LABELS } from "~/modules/marketplace/rules";
import { AppError, errorResponse } from "~/utils/errors";

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [{ title: `${data.profile.name} · Instructor · Coursemint` }, { name: "description", content: (data.profile.bio || `Courses by ${data.profile.name} on Coursemint.`).slice(0, 200) }]
    : [{ title: "Instructor not found · Coursemint" }];

/** The public profile of an instructor: photo, bio and published courses. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const { app } = context;
  const userId = params.userId ?? "";
  const found = /^usr_[0-9a-z]{26}$/.test(userId) ? await getPublicInstructor(app, userId) : null;
  if (!found) throw errorResponse(AppError.notFound("Instructor"), app.requestId);
  return found;
}

export default function InstructorProfilePage() {
  const { profile, courses, stats } = useLoaderData<typeof loader>();
  return (
    <div className="stack-lg">
      <header className="profile-header">
        <Avatar person={profile} size={96} />
        <div className="stack">
          <p className="muted eyebrow">Instructor</p>
          <h1>{profile.name}</h1>
          <p className="muted">
            {stats.courses} course{stats.courses === 1 ? "" : "s"} · {stats.learners.toLocaleString("en-US")} learner{stats.learners === 1 ? "" : "s"}
            {stats.reviewCount ? (
              <>
                {" · "}
                <StarRating average={stats.average} count={stats.reviewCount} />
              </>
            ) : null}
          </p>
        </div>
      </header>
      <section aria-labelledby="about-title" className="stack">
        <h2 id="about-title">About</h2>
        {profile.bio ? <p className="prewrap" data-testid="instructor-bio">{profile.bio}</p> : <p className="muted">{profile.name} has not written a bio yet.</p>}
      </section>
      <section aria-labelledby="courses-title" className="stack">
        <h2 id="courses-title">Courses</h2>
        {courses.length ? (
          <ul className="course-grid">
            {courses.map((c) => (
              <li key={c.id} className="card course-card">
                <CourseCover course={c} label={CATEGORY_LABELS[c.category]} />
                <h3>
                  <Link to={`/courses/${c.slug}`}>{c.title}</Link>
                </h3>
                <p>
                  <CoursePrice course={c} />
                </p>
                <p>
                  <StarRating average={c.rating.average} count={c.rating.count} compact />
                </p>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No published courses yet.</p>
        )}
      </section>
    </div>
  );
}
