import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CouponsPage } from "~/components/coupons-page";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { couponsPageAction, couponsPageData } from "~/modules/marketplace/coupons-page.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Your promotion codes · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "create:coupon:own");
  return couponsPageData(app, user, "own");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "create:coupon:own");
  try {
    return data<FormResult>({ ok: await couponsPageAction(app, user, form) });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Coupons() {
  const { items, courses } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  return <CouponsPage title="Your promotion codes" intro="Codes for your own courses: share them with your learners; they type them on the course page." items={items} courses={courses} result={result} admin={false} />;
}
