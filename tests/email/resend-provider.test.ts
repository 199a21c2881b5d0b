import { describe, expect, it } from "vitest";
import { createResendProvider, ProviderError, type OutgoingEmail } from "~/modules/email/providers.server";

// The Resend HTTP API is faked at the fetch boundary only: everything up to the request is real.
const email: OutgoingEmail = {
  emailId: "eml_01test",
  idempotencyKey: "payment-receipt/pay_1",
  template: "payment-receipt",
  from: "Coursemint <receipts@coursemint.example>",
  to: "ada@example.test",
  subject: "Your Coursemint receipt",
  html: "<p>hi</p>",
  text: "hi",
};

function provider(respond: (request: Request) => Response | Promise<Response>) {
  const requests: Request[] = [];
  const p = createResendProvider({
    apiKey: "re_test_123",
    baseUrl: "https://api.resend.test",
    fetch: async (input, init) => {
      const request = new Request(input, init);
      requests.push(request.clone() as Request);
      return respond(request);
    },
  });
  return { p, requests };
}

describe("Resend provider", () => {
  it("posts the email to /emails with auth, an idempotency key and tags", async () => {
    const { p, requests } = provider(() => Response.json({ id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" }));
    await expect(p.send(email)).resolves.toEqual({ providerMessageId: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" });
    const [request] = requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("https://api.resend.test/emails");
    expect(request!.headers.get("Authorization")).toBe("Bearer re_test_123");
    expect(request!.headers.get("Idempotency-Key")).toBe("coursemint/payment-receipt/pay_1");
    expect(await request!.json()).toEqual({
      from: email.from,
      to: [email.to],
      subject: email.subject,
      html: email.html,
      text: email.text,
      tags: [
        { name: "template", value: "payment-receipt" },
        { name: "email_id", value: "eml_01test" },
      ],
    });
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [409, true],
    [400, false],
    [401, false],
    [403, false],
    [422, false],
  ])("classifies HTTP %i as retryable=%s", async (status, retryable) => {
    const { p } = provider(() => Response.json({ name: "error", message: `status ${status}` }, { status }));
    const error = await p.send(email).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable, status, message: `resend: ${status} status ${status}` });
  });

  it("treats network errors and non-JSON answers as transient", async () => {
    const network = provider(() => {
      throw new TypeError("Network connection lost.");
    });
    await expect(network.p.send(email)).rejects.toMatchObject({ retryable: true, message: "resend: network error (TypeError)" });
    const html = provider(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    await expect(html.p.send(email)).rejects.toMatchObject({ retryable: true, status: 502 });
  });

  it("never puts the API key in an error message", async () => {
    const { p } = provider(() => Response.json({ message: "API key is invalid" }, { status: 401 }));
    const error = await p.send(email).catch((e) => e);
    expect(String(error.message)).not.toContain("re_test_123");
  });
});
