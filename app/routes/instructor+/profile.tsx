import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Avatar } from "~/components/course-cover";
import { CsrfInput, Field, FormStatus } from "~/components/forms";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { BIO_MAX, IMAGE_ACCEPT } from "~/modules/marketplace/images";
import { readImageForm, updateInstructorProfile } from "~/modules/marketplace/images.server";
import { getInstructorProfile } from "~/modules/marketplace/profiles.server";
import { formError, keptValues, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Your instructor profile · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "update:course:own");
  return { profile: (await getInstructorProfile(app, user.id))! };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "update:course:own");
  let form: FormData | null = null;
  try {
    form = await readImageForm(app, request, "avatar");
    await updateInstructorProfile(app, user, form);
    return data<FormResult>({ ok: "Your profile was saved." });
  } catch (error) {
    return formError(app, error, form ? keptValues(form) : {});
  }
}

export default function EditInstructorProfile() {
  const { profile } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <div className="stack-lg narrow-left">
      <header className="stack">
        <p>
          <Link to="/instructor">← Instructor dashboard</Link>
        </p>
        <h1>Your instructor profile</h1>
        <p className="muted">
          Learners see your photo and bio on your course pages and on <Link to={`/instructors/${profile.id}`}>your public profile</Link>.
        </p>
      </header>
      <Form method="post" encType="multipart/form-data" className="stack card" data-testid="profile-form">
        <CsrfInput />
        <FormStatus result={result} />
        <div className="profile-photo">
          <Avatar person={profile} size={72} />
          <div className="stack">
            <Field label="Photo (PNG, JPEG or WebP, up to 1 MB)" name="avatar" type="file" accept={IMAGE_ACCEPT} errors={result?.errors} />
            {profile.avatarUrl ? (
              <label className="checkbox">
                <input type="checkbox" name="removeAvatar" /> Remove the photo (show my initials)
              </label>
            ) : (
              <p className="muted">Without a photo, your initials are shown.</p>
            )}
          </div>
        </div>
        <div className="field">
          <label htmlFor="field-bio">Bio</label>
          <textarea
            id="field-bio"
            name="bio"
            rows={6}
            maxLength={BIO_MAX}
            defaultValue={result?.values?.bio ?? profile.bio}
            aria-describedby="bio-hint"
            aria-invalid={result?.errors?.bio ? true : undefined}
          />
          <p id="bio-hint" className="muted">
            Who you are and what you teach, in up to {BIO_MAX} characters.
          </p>
          {result?.errors?.bio ? <p className="field-errors">{result.errors.bio.join(" ")}</p> : null}
        </div>
        <button type="submit">Save profile</button>
      </Form>
    </div>
  );
}
