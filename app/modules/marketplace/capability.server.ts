import type { PaymentCapability } from "~/modules/payments/registry";
import { AppError } from "~/utils/errors";
import { checkCode, promotionCodeInput, redeemRedemption, releaseRedemption, reserveRedemption } from "./coupons.server";
import { findCourse } from "./courses.server";
import { couponDiscount } from "./price-breakdown";
import { bundlePurchasePurpose } from "./bundle-purchase.server";
import { coursePurchasePurpose } from "./purchase.server";

/**
 * What the marketplace plugs into payments (assembled in app/capabilities.server.ts): the course
 * purchase, and promotion codes. The code's hook runs before the tokens capability's (registration
 * order), so the price follows the breakdown's order: tier (in the quote) → code → tokens
 * (price-breakdown.ts). The use is reserved under the payment id and settled with the payment.
 */
export const marketplaceCapability: PaymentCapability = {
  name: "marketplace",
  purposes: { course_purchase: coursePurchasePurpose, bundle_purchase: bundlePurchasePurpose },
  paymentHooks: {
    inputSchema: promotionCodeInput,
    async adjust(app, { user, paymentId, purpose, quote, input }) {
      const parsed = promotionCodeInput.safeParse(input);
      if (!parsed.success) throw AppError.validation({ promotionCode: [parsed.error.issues[0]?.message ?? "Enter a code"] });
      const code = parsed.data.promotionCode;
      if (!code) return null;
      if (purpose === "bundle_purchase") throw AppError.validation({ promotionCode: ["Promotion codes do not apply to bundles: the bundle price is already its discount"] });
      if (purpose !== "course_purchase") throw AppError.validation({ promotionCode: ["Promotion codes apply to course purchases"] });
      const course = await findCourse(app, quote.purposeRef);
      if (!course) throw AppError.notFound("Course");
      const applied = await checkCode(app, user, course, quote.amount, code);
      const discount = couponDiscount(quote.amount, applied.terms, applied.floor);
      await reserveRedemption(app, { user, applied, course, price: quote.amount, paymentId, discount, paidAmount: quote.amount - discount });
      return { discount, metadata: { couponCode: applied.code, couponDiscount: String(discount), couponId: applied.coupon.id } };
    },
    async paid(app, payment) {
      if (payment.metadata.couponId) await redeemRedemption(app, payment.id);
    },
    async unpaid(app, payment) {
      // Always tried: adjust may have reserved before a later step failed.
      await releaseRedemption(app, payment.id);
    },
  },
};
