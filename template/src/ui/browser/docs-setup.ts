// Loaded on /docs before /assets/scalar.js (see src/ui/docs-page.tsx).
// The zod inside the bundle probes for eval (`Function('')`) before compiling a schema; under the
// page's policy (no 'unsafe-eval') that probe is a reported violation. Jitless mode skips the probe
// and the compiled fast path, which the reference does not need.
const zodConfig = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
zodConfig.__zod_globalConfig ??= {};
zodConfig.__zod_globalConfig.jitless = true;

export {};
