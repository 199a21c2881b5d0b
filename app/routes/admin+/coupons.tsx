import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CouponsPage } from "~/components/coupons-page";
import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { couponsPageAction, couponsPageData } from "~/modules/marketplace/coupons-page.server";
import { formError, keptValues, readForm, type FormResult } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Promotion codes · Coursemint" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { app } = context;
  const user = await requireUserWithPermission(app, request, "create:coupon:any");
  return couponsPageData(app, user, "all");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { app } = context;
  const form = await readForm(app, request);
  const user = await requireUserWithPermission(app, request, "create:coupon:any");
  try {
    return data<FormResult>({ ok: await couponsPageAction(app, user, form) });
  } catch (error) {
    return formError(app, error, keptValues(form));
  }
}

export default function Coupons() {
  const { items, courses } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  return <CouponsPage title="Promotion codes" intro="Codes learners type on a course page or the API. Admins make codes for one course, one instructor's courses or every course. Every code is shared 70/30 like the sale: the instructor's 70 % is of what the learner paid after it." items={items} courses={courses} result={result} admin={true} />;
}
