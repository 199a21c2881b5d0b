import * as z from "zod";

/** Shared by the forms (server and client) and the JSON API. */
export const emailSchema = z
  .string({ error: "Email is required" })
  .trim()
  .toLowerCase()
  .min(1, "Email is required")
  .max(254, "Email is too long")
  .pipe(z.email({ error: "Enter a valid email address" }));

export const passwordSchema = z
  .string({ error: "Password is required" })
  .min(10, "Use at least 10 characters")
  .max(128, "Use at most 128 characters")
  .refine((p) => /[a-zA-Z]/.test(p) && /[0-9]/.test(p), "Use letters and at least one number");

export const signupSchema = z.object({
  name: z.string({ error: "Name is required" }).trim().min(1, "Name is required").max(80, "Name is too long"),
  email: emailSchema,
  password: passwordSchema,
});

/** "Forgot your password?": the address to send a reset link to. */
export const forgotPasswordSchema = z.object({ email: emailSchema });

/** A new password, typed twice (the sign-up form asks once, its confirmation page again). */
const newPasswordFields = {
  password: passwordSchema,
  confirmPassword: z.string({ error: "Type the new password again" }).min(1, "Type the new password again").max(128),
};
// An empty confirmation already says "type it again".
const passwordsMatch: [(d: { password: string; confirmPassword: string }) => boolean, { path: string[]; message: string }] = [
  (d) => !d.confirmPassword || d.password === d.confirmPassword,
  { path: ["confirmPassword"], message: "The two passwords don't match" },
];

/** The new password from a reset link. */
export const resetPasswordSchema = z.object(newPasswordFields).refine(...passwordsMatch);

/** A signed-in user's new password: the current one, then the new one twice. */
export const changePasswordSchema = z
  .object({ currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(128), ...newPasswordFields })
  .refine(...passwordsMatch)
  .refine((d) => d.password !== d.currentPassword, { path: ["password"], message: "Choose a password different from your current one" });

export const loginSchema = z.object({
  email: emailSchema,
  password: z.string({ error: "Password is required" }).min(1, "Password is required").max(128),
  redirectTo: z.string().optional(),
});

export const apiTokenSchema = z.strictObject({
  name: z.string({ error: "Name is required" }).trim().min(1, "Name is required").max(60, "Name is too long"),
});
