import type { Express } from 'express';

/**
 * `METHOD /path` of every route in the app, mounted routers included (express 5: layer.rawPath is
 * the mount path). The route tables of the tests (hostile input, roles, API-key scopes) are checked
 * against it, so that a new route without an entry fails.
 */
export function appRoutes(app: Express): string[] {
  const out: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push(`${m.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  walk((app as any).router.stack, '');
  return [...new Set(out)];
}
