import { createRequire } from 'node:module';

/**
 * A CommonJS dependency loaded on first use instead of at start-up: for
 * libraries only some labs or commands need (YAML scenarios, in-process mode,
 * SAML). `from` is the caller's `import.meta.url`, so the module resolves from
 * the package that depends on it. The loader is synchronous, so callers keep
 * synchronous APIs.
 */
export function lazyModule<T>(from: string, id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(from)(id) as T);
}
