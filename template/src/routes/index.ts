import { meRoutes } from './me';

/**
 * Your own routes, mounted under /api/v1 behind authentication (so `c.var.user` is set) and the rate
 * limit. Add a router here and it is served and documented in /openapi.json.
 */
export const routes = [meRoutes];
