import { unstable_parseMultipartFormData } from "@remix-run/cloudflare";
import type { AppContext } from "~/context.server";
import { AppError, type FieldErrors } from "~/utils/errors";
import { createId } from "~/utils/ids";
import { FILE_TYPES, MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, MAX_UPLOAD_REQUEST_BYTES, type FileExtension } from "./rules";

/** A module file now stored in R2. */
export type StoredFile = {
  moduleId: string;
  key: string;
  fileName: string;
  contentType: string;
  size: number;
  /** The `moduleTitle` typed next to it (may be empty). */
  index: number;
};

export type ParsedUpload = {
  fields: Record<string, string>;
  moduleTitles: string[];
  files: StoredFile[];
  errors: FieldErrors;
};

const FIELD_MAX_CHARS = 10_000;
/** R2 multipart parts must be at least 5 MiB (except the last). */
const PART_BYTES = 5 * 1024 * 1024;
const SNIFF_BYTES = 16;

const MB = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/** Does the start of a file match what its extension claims? Text must not contain NUL bytes. */
export function sniffMatches(ext: FileExtension, head: Uint8Array): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = (offset: number, text: string) => [...text].every((c, i) => head[offset + i] === c.charCodeAt(0));
  switch (ext) {
    case "pdf":
      return ascii(0, "%PDF-");
    case "png":
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    case "jpg":
    case "jpeg":
      return starts(0xff, 0xd8, 0xff);
    case "mp4":
      return ascii(4, "ftyp");
    case "webm":
      return starts(0x1a, 0x45, 0xdf, 0xa3);
    case "mp3":
      return ascii(0, "ID3") || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0);
    case "md":
    case "txt":
      return !head.includes(0);
  }
}

export function extensionOf(fileName: string): FileExtension | null {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(fileName)?.[1]?.toLowerCase();
  return ext && ext in FILE_TYPES ? (ext as FileExtension) : null;
}

/** A file name safe to use in an R2 key and a Content-Disposition header. */
export function safeFileName(fileName: string): string {
  const base = fileName.normalize("NFKD").replace(/[^\w.\-]+/g, "-").replace(/-+/g, "-").replace(/^[-.]+/, "");
  return base.slice(-100) || "file";
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

class FileRejected extends Error {}

/**
 * Streams one file part into R2: the first bytes are checked against the extension, the size is
 * counted as bytes arrive (never more than one 5 MiB part is held in memory), and files larger
 * than a part go up as an R2 multipart upload. A rejected file leaves nothing behind.
 */
async function streamToR2(bucket: R2Bucket, key: string, ext: FileExtension, data: AsyncIterable<Uint8Array>) {
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  let total = 0;
  let sniffed = false;
  let multipart: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  const httpMetadata = { contentType: FILE_TYPES[ext] };
  try {
    for await (const chunk of data) {
      total += chunk.byteLength;
      if (total > MAX_FILE_BYTES) throw new FileRejected(`is larger than ${MB(MAX_FILE_BYTES)}`);
      chunks.push(chunk);
      buffered += chunk.byteLength;
      if (!sniffed && buffered >= SNIFF_BYTES) {
        if (!sniffMatches(ext, concat(chunks, buffered).subarray(0, 512))) throw new FileRejected(`is not a valid .${ext} file`);
        sniffed = true;
      }
      if (buffered >= PART_BYTES) {
        multipart ??= await bucket.createMultipartUpload(key, { httpMetadata });
        parts.push(await multipart.uploadPart(parts.length + 1, concat(chunks, buffered)));
        chunks = [];
        buffered = 0;
      }
    }
    if (total === 0) throw new FileRejected("is empty");
    if (!sniffed && !sniffMatches(ext, concat(chunks, buffered))) throw new FileRejected(`is not a valid .${ext} file`);
    if (multipart) {
      if (buffered > 0) parts.push(await multipart.uploadPart(parts.length + 1, concat(chunks, buffered)));
      await multipart.complete(parts);
    } else {
      await bucket.put(key, concat(chunks, buffered), { httpMetadata });
    }
    return total;
  } catch (error) {
    if (multipart) await multipart.abort().catch(() => undefined);
    // Drain the rest of this part so the parser can read the following fields.
    if (error instanceof FileRejected) for await (const _ of data) void _;
    throw error;
  }
}

async function readText(data: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of data) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > FIELD_MAX_CHARS) throw new AppError("bad_request", "A form field is too long.");
  }
  return text + decoder.decode();
}

/**
 * Parses a multipart upload as it streams in. Text fields are collected (bounded); each `files`
 * part is streamed to R2 under `modules/<moduleId>/<name>`. Problems with files are collected as
 * field errors under `files` (the rest of the request is still read so every error is reported).
 * On any thrown error, every object already stored is deleted before rethrowing. The caller owns
 * the cleanup of `files` after a successful parse (see `deleteObjects`).
 */
export async function parseUpload(app: AppContext, request: Request, opts: { csrfToken?: string } = {}): Promise<ParsedUpload> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!type.startsWith("multipart/form-data")) {
    throw new AppError("bad_request", "Send the course as multipart/form-data.");
  }
  const length = Number(request.headers.get("Content-Length") ?? "0");
  if (length > MAX_UPLOAD_REQUEST_BYTES) {
    throw AppError.validation({ files: [`The upload is too large (at most ${MAX_FILES_PER_UPLOAD} files of ${MB(MAX_FILE_BYTES)})`] });
  }
  const result: ParsedUpload = { fields: {}, moduleTitles: [], files: [], errors: {} };
  const fileErrors: string[] = [];
  let fileIndex = 0;
  // Errors thrown by our part handler (R2, CSRF, limits) keep their meaning; anything else comes
  // from the multipart parser itself (e.g. a file name with ";" or "=" that it cannot split).
  let handlerError: unknown;
  try {
    await unstable_parseMultipartFormData(request, async (part) => {
      try {
        return await handlePart(part);
      } catch (error) {
        handlerError = error;
        throw error;
      }
    });
    async function handlePart(part: Parameters<Parameters<typeof unstable_parseMultipartFormData>[1]>[0]) {
      if (part.filename === undefined) {
        const value = await readText(part.data);
        if (part.name === "moduleTitle") result.moduleTitles.push(value);
        else result.fields[part.name] = value;
        return undefined;
      }
      if (opts.csrfToken !== undefined && result.fields.csrf !== opts.csrfToken) {
        // Browser forms put the CSRF field first: no file is stored before it is verified.
        throw new AppError("csrf_failed", "Your form expired. Reload the page and try again.");
      }
      if (part.name !== "files") {
        for await (const _ of part.data) void _;
        return undefined;
      }
      const index = fileIndex++;
      const fileName = part.filename;
      if (!fileName) {
        // An empty file input: browsers send a part with no name and no bytes.
        for await (const _ of part.data) void _;
        return undefined;
      }
      const ext = extensionOf(fileName);
      if (!ext) {
        fileErrors.push(`${fileName}: only ${Object.keys(FILE_TYPES).join(", ")} files are allowed`);
        for await (const _ of part.data) void _;
        return undefined;
      }
      if (result.files.length >= MAX_FILES_PER_UPLOAD) {
        fileErrors.push(`At most ${MAX_FILES_PER_UPLOAD} files per upload`);
        for await (const _ of part.data) void _;
        return undefined;
      }
      const moduleId = createId("module");
      const key = `modules/${moduleId}/${safeFileName(fileName)}`;
      try {
        const size = await streamToR2(app.env.UPLOADS, key, ext, part.data);
        result.files.push({ moduleId, key, fileName: fileName.slice(0, 200), contentType: FILE_TYPES[ext], size, index });
      } catch (error) {
        if (!(error instanceof FileRejected)) throw error;
        fileErrors.push(`${fileName} ${error.message}`);
      }
      return undefined;
    }
  } catch (error) {
    await deleteObjects(app, result.files.map((f) => f.key));
    if (error instanceof AppError) throw error;
    if (error !== handlerError) {
      app.logger.info("marketplace.upload_unreadable", { message: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      throw new AppError(
        "bad_request",
        "The upload could not be read as multipart/form-data. If a file name contains ; or = or quotes, rename the file and try again.",
      );
    }
    throw error;
  }
  if (fileErrors.length) result.errors.files = fileErrors;
  app.logger.info("marketplace.upload_parsed", { files: result.files.length, bytes: result.files.reduce((a, f) => a + f.size, 0), rejected: fileErrors.length });
  return result;
}

/** Deletes R2 objects (cleanup after a failed upload or a deleted module); never throws. */
export async function deleteObjects(app: AppContext, keys: string[]) {
  if (!keys.length) return;
  try {
    await app.env.UPLOADS.delete(keys);
    app.logger.info("marketplace.objects_deleted", { count: keys.length });
  } catch (error) {
    app.logger.error("marketplace.object_delete_failed", { error, keys });
  }
}

/**
 * Serves a module file from R2 with range support (video seeking). Text files are served as
 * text/plain and every file with nosniff and a sandboxing CSP, so an upload can never run as a page.
 */
export async function serveObject(app: AppContext, request: Request, file: { key: string; fileName: string; contentType: string }, disposition: "inline" | "attachment" = "inline") {
  const object = await app.env.UPLOADS.get(file.key, { range: request.headers, onlyIf: request.headers });
  if (!object) throw AppError.notFound("File");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("Content-Type", file.contentType.startsWith("text/") ? "text/plain; charset=utf-8" : file.contentType);
  headers.set("ETag", object.httpEtag);
  headers.set("Accept-Ranges", "bytes");
  headers.set("Cache-Control", "private, max-age=300");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", "sandbox; default-src 'none'; media-src 'self'; img-src 'self'");
  headers.set("Content-Disposition", `${disposition}; filename="${safeFileName(file.fileName)}"`);
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  const range = (object as R2ObjectBody).range as { offset?: number; length?: number } | undefined;
  if (request.headers.has("Range") && range && range.offset !== undefined) {
    const length = range.length ?? object.size - range.offset;
    headers.set("Content-Range", `bytes ${range.offset}-${range.offset + length - 1}/${object.size}`);
    headers.set("Content-Length", String(length));
    return new Response((object as R2ObjectBody).body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response((object as R2ObjectBody).body, { headers });
}
