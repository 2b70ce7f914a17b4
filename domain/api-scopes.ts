/**
 * Scopes of API keys (issue 13) and which scope each /api route needs. One table, so that a route
 * added without an entry is refused to every scoped key (only the operator's full-access key passes)
 * and the route × scope test fails until it gets one.
 */
export const API_SCOPES = ['orders:read', 'orders:write', 'tasks:read', 'tasks:decide', 'returns:read', 'returns:write', 'inventory:read', 'inventory:write', 'analytics:read', 'webhooks:manage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Each scope's description is in web/i18n.ts as `scope.<scope>` (zh-CN and English). */

/** `METHOD /pattern` (as mounted under /api) → the scope it needs. */
export const ROUTE_SCOPES: Record<string, ApiScope> = {
  'POST /orders': 'orders:write',
  'GET /orders': 'orders:read',
  'GET /orders/:orderNo': 'orders:read',
  'POST /orders/:orderNo/cancel': 'orders:write',
  'GET /tasks': 'tasks:read',
  'POST /tasks/:id/decision': 'tasks:decide',
  'POST /orders/:orderNo/returns': 'returns:write',
  'GET /returns/:rmaNo': 'returns:read',
  'POST /returns/:rmaNo/receive': 'returns:write',
  'GET /catalog': 'inventory:read',
  'GET /catalog/sell-outs': 'inventory:read',
  'GET /catalog/restock-waits': 'inventory:read',
  'PUT /catalog/:sku/stockout-policy': 'inventory:write',
  'GET /inventory/:sku': 'inventory:read',
  'PUT /inventory/:sku': 'inventory:write',
  'POST /inventory/:sku/restock': 'inventory:write',
  'GET /analytics': 'analytics:read',
  'GET /analytics.csv': 'analytics:read',
  'GET /webhook-subscriptions': 'webhooks:manage',
  'POST /webhook-subscriptions': 'webhooks:manage',
  'POST /webhook-subscriptions/:id/disable': 'webhooks:manage',
  'GET /webhook-deliveries': 'webhooks:manage',
  'POST /webhook-deliveries/:id/redeliver': 'webhooks:manage',
};

export function isApiScope(s: string): s is ApiScope {
  return (API_SCOPES as readonly string[]).includes(s);
}

/** The scope a request needs, from its method and path under /api; undefined when no route pattern matches. */
export function scopeFor(method: string, path: string): ApiScope | undefined {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  for (const [route, scope] of Object.entries(ROUTE_SCOPES)) {
    const [rm, pattern] = route.split(' ');
    if (rm !== m) continue;
    const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`);
    if (re.test(path)) return scope;
  }
  return undefined;
}
