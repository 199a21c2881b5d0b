import type { MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";
import { useRootData } from "~/root";

export const meta: MetaFunction = () => [
  { title: "Coursemint — learn, teach, earn" },
  { name: "description", content: "Courses, subscriptions and rewards for learners and instructors." },
];

export default function Index() {
  const user = useRootData()?.user;
  return (
    <>
      <section className="hero">
        <h1>Learn from great instructors. Teach and get paid.</h1>
        <p>
          Coursemint is the marketplace and membership platform for online courses: buy single courses, subscribe
          for more, earn reward tokens as you learn, and license it for your whole team.
        </p>
        {user ? (
          <p className="actions">
            <Link className="button" to="/courses">
              Browse courses
            </Link>
            <Link to="/account">Go to your account</Link>
          </p>
        ) : (
          <p className="actions">
            <Link className="button" to="/signup">
              Create a free account
            </Link>
            <Link className="button secondary" to="/courses">
              Browse courses
            </Link>
            <Link to="/login">I already have an account</Link>
          </p>
        )}
      </section>
      <section className="cards">
        <article className="card">
          <h2>Learners</h2>
          <p>Pay once for a course or subscribe to Pro for discounts and certificates.</p>
        </article>
        <article className="card">
          <h2>Instructors</h2>
          <p>Upload your course, set a price, keep 70% of every sale.</p>
        </article>
        <article className="card">
          <h2>Teams</h2>
          <p>Enterprise licenses with seats, white-label and keys your software can validate.</p>
        </article>
      </section>
    </>
  );
}
