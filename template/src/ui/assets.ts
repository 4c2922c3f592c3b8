import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the chat page's script (and the typed client it imports) once per process, so the
 * template needs no front-end build step.
 */
export async function bundleChatScript(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser/chat.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}
