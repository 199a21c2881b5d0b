// Binary Data modules (workers/og/wrangler.toml [[rules]], workers/og/vitest.ts): imported as bytes.
declare module "*.woff" {
  const data: ArrayBuffer;
  export default data;
}
