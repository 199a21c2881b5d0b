import type { PaymentAdjustment, PaymentCapability } from "~/modules/payments/registry";
import { AppError } from "~/utils/errors";
import { checkCode, promotionCodeInput, redeemRedemption, releaseRedemption, reserveRedemption } from "./coupons.server";
import { findCourse } from "./courses.server";
import { couponDiscount, saleDiscount } from "./price-breakdown";
import { activeSale } from "./sales";
import { now } from "~/utils/clock";
import { bundlePurchasePurpose } from "./bundle-purchase.server";
import { coursePurchasePurpose } from "./purchase.server";

/**
 * What the marketplace plugs into payments (assembled in app/capabilities.server.ts): the course
 * purchase, and the promotion step — a running sale or a promotion code, whichever takes more off.
 * The hook runs before the tokens capability's (registration order), so the price follows the
 * breakdown's order: tier (in the quote) → sale or code → tokens (price-breakdown.ts). A code's use
 * is reserved under the payment id and settled with the payment.
 */
export const marketplaceCapability: PaymentCapability = {
  name: "marketplace",
  purposes: { course_purchase: coursePurchasePurpose, bundle_purchase: bundlePurchasePurpose },
  paymentHooks: {
    inputSchema: promotionCodeInput,
    async adjust(app, { user, paymentId, purpose, quote, input }): Promise<PaymentAdjustment | null> {
      const parsed = promotionCodeInput.safeParse(input);
      if (!parsed.success) throw AppError.validation({ promotionCode: [parsed.error.issues[0]?.message ?? "Enter a code"] });
      const code = parsed.data.promotionCode;
      if (purpose !== "course_purchase") {
        if (code && purpose === "bundle_purchase") throw AppError.validation({ promotionCode: ["Promotion codes do not apply to bundles: the bundle price is already its discount"] });
        if (code) throw AppError.validation({ promotionCode: ["Promotion codes apply to course purchases"] });
        return null;
      }
      const course = await findCourse(app, quote.purposeRef);
      if (!course) throw AppError.notFound("Course");
      // quote.amount is the price after the tier: the base of the promotion step.
      const sale = activeSale(course, now());
      const onSale = sale ? saleDiscount(quote.amount, sale.price, course.priceAmount) : 0;
      if (!code) return sale && onSale > 0 ? { discount: onSale, metadata: { salePrice: String(sale.price), saleEndsAt: String(sale.endsAt), saleDiscount: String(onSale) } } : null;
      const applied = await checkCode(app, user, course, quote.amount, code);
      const discount = couponDiscount(quote.amount, applied.terms, applied.floor);
      if (discount <= onSale) {
        throw new AppError("conflict", "The sale price is already lower than this code would make it, so the sale applies.", { details: { field: "promotionCode", reason: "sale_lower" } });
      }
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
