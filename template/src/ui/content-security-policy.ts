import type { ContentSecurityPolicyOptionHandler } from 'hono/secure-headers';

type Directives = Record<string, (string | ContentSecurityPolicyOptionHandler)[]>;

/**
 * The Content-Security-Policy of every response (secureHeaders sends it; pages added later get it
 * too): scripts only from this origin and never inline, requests only to this origin, never framed.
 * Inline styles are allowed: the pages carry a <style> and the API reference (Scalar) sets styles
 * at run time; a style cannot run code.
 */
export const contentSecurityPolicy: Directives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
