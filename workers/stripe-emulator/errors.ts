// Stripe's error object: https://docs.stripe.com/api/errors
export type StripeErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error" | "rate_limit_error";

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly fields: { code?: string; decline_code?: string; param?: string; [key: string]: unknown } = {},
  ) {
    super(message);
  }

  toJSON() {
    const docUrl = this.fields.code ? `https://stripe.com/docs/error-codes/${String(this.fields.code).replace(/_/g, "-")}` : undefined;
    return { error: { type: this.type, message: this.message, ...(docUrl ? { doc_url: docUrl } : {}), ...this.fields } };
  }
}

export const missing = (param: string) =>
  new StripeError(400, "invalid_request_error", `Missing required param: ${param}.`, { code: "parameter_missing", param });

export const invalid = (param: string, message: string, code = "parameter_invalid") =>
  new StripeError(400, "invalid_request_error", message, { code, param });

export const notFound = (kind: string, id: string, param = "id") =>
  new StripeError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param });
