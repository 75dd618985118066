import { extname, resolve, sep } from 'node:path';
import { APP_ORIGIN, originOf } from './security.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/**
 * The file under `rendererDir` that an app:// request asks for, or undefined for anything outside it
 * (another origin, `..` escapes). `/` is the console's index.html.
 */
export function rendererFileFor(requestUrl: string, rendererDir: string): { file: string; contentType: string } | undefined {
  if (originOf(requestUrl) !== APP_ORIGIN) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return undefined;
  }
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  if (!file.startsWith(root + sep)) return undefined;
  return { file, contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' };
}
