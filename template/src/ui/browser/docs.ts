// Starts the API reference on /docs (src/ui/docs-page.tsx) once /assets/scalar.js has defined the
// global `Scalar`. Fonts are the system's: the default ones would come from Scalar's servers.
declare const Scalar: {
  createApiReference(selector: string, configuration: Record<string, unknown>): unknown;
};

const mount = document.querySelector<HTMLElement>('#app');
if (mount) {
  Scalar.createApiReference('#app', {
    url: mount.dataset.url,
    withDefaultFonts: false,
    hideClientButton: true,
  });
}
