import { fileURLToPath } from 'node:url';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

/** The page's files (index.html, *.js, style.css): plain ES modules, no build step. */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

/**
 * The page only talks to its own origin; inline styles are needed by the SVG
 * export, data: and blob: URLs by the PNG export.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * The page's relative URLs need the mount point to end in `/` (`/ui` → `/ui/`),
 * wherever the lab mounts this app.
 */
export function trailingSlash(req: Request, res: Response, next: NextFunction): void {
  const [path = '', query] = req.originalUrl.split('?');
  if (req.method === 'GET' && req.path === '/' && !path.endsWith('/')) {
    res.redirect(301, `${path}/${query !== undefined ? `?${query}` : ''}`);
    return;
  }
  next();
}

/** What the page is made of; anything else in ui/ (its tsconfig.json) is not served. */
const PAGE_ASSET = /(^\/$|\.(html|js|css)$)/;

export function staticAssets(): RequestHandler {
  const serve = express.static(UI_DIR, {
    index: 'index.html',
    fallthrough: true,
    setHeaders(res) {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  return function pageAssets(req: Request, res: Response, next: NextFunction) {
    if (!PAGE_ASSET.test(req.path)) {
      next();
      return;
    }
    serve(req, res, next);
  };
}
