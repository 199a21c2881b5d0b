import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { DEFAULT_VIEWER, validTimeZone, ViewerProvider, type Viewer } from "~/utils/format";

// The server rendered dates for this viewer and wrote it on <html> (app/root.tsx): hydrate with the same.
const root = document.documentElement.dataset;
const timeZone = validTimeZone(root.timeZone);
const viewer: Viewer = {
  locale: root.locale || DEFAULT_VIEWER.locale,
  timeZone: timeZone ?? "UTC",
  timeZoneKnown: Boolean(timeZone) && root.timeZoneKnown === "true",
};

startTransition(() => {
  hydrateRoot(
    document,
    <StrictMode>
      <ViewerProvider value={viewer}>
        <RemixBrowser />
      </ViewerProvider>
    </StrictMode>,
  );
});
