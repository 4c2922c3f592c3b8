import { z } from 'zod';

const byteSize = z
  .string()
  .regex(/^\d+(b|kb|mb)?$/i, 'a size such as 1mb, 512kb or 1048576')
  .transform((value) => {
    const [, digits, unit] = /^(\d+)(b|kb|mb)?$/i.exec(value) as RegExpExecArray;
    const multiplier = { b: 1, kb: 1024, mb: 1024 * 1024 }[(unit ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
    return Number(digits) * multiplier;
  });

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Every variable of the project, with its default. docs/configuration.md describes each. */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(
        /^(file:|postgres:\/\/|postgresql:\/\/)/,
        'must start with file: (SQLite) or postgres:// (Postgres)',
      )
      .default('file:./data/app.db'),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
    JWT_SECRET: z
      .string()
      .refine((value) => Buffer.byteLength(value) >= 32, 'must be at least 32 bytes (run: npm run prestart)')
      .optional(),
    JWT_JWKS_URL: z.url({ error: 'must be an http(s) URL of a JSON Web Key Set' }).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    // A flag as people write it in .env: true/false, 1/0, yes/no, on/off, y/n, enabled/disabled, in
    // any case (zod's defaults); anything else is refused, with the accepted values named.
    AUTH_DEV_LOGIN: z.stringbool().default(false),
    LLM_PROVIDER: z.enum(['scripted', 'openai']).default('scripted'),
    SCRIPTED_DELAY_MS: z.coerce.number().int().min(0).default(30),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_API_KEY: z.string().optional(),
    LLM_MODEL: z.string().min(1).optional(),
    /** A model call's deadline (the connection and every token), for the openai provider. */
    LLM_TIMEOUT_MS: z.coerce.number().int().min(1).default(60_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CORS_ORIGINS: commaList.default([]),
    BODY_LIMIT: byteSize.default(1024 * 1024),
    RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    RUN_CONCURRENCY: z.coerce.number().int().min(1).default(4),
    RUN_FOLLOW_POLL_MS: z.coerce.number().int().min(10).default(1_000),
    SSE_PING_INTERVAL_MS: z.coerce.number().int().min(10).default(15_000),
    STREAMS_PER_USER: z.coerce.number().int().min(1).default(8),
    ANON_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(300),
    TRUST_PROXY: z.stringbool().default(false),
    // Operations (docs/operations.md).
    STEP_RETENTION_DAYS: z.coerce.number().positive().optional(),
    STEP_KEEP_LAST: z.coerce.number().int().min(1).optional(),
    WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ and base64, as Standard Webhooks secrets are')
      .refine(
        (value) => Buffer.from(value.slice(6), 'base64').length >= 24,
        'must hold at least 24 random bytes',
      )
      .optional(),
    WEBHOOK_ALLOW_HOSTS: commaList.default([]),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5_000),
    WEBHOOK_RETRY_FOR_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(24 * 60 * 60_000),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (a secret, not a word)').optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET (or JWT_JWKS_URL)' });
    }
    // A provider signs tokens for many applications: without both checks, a token it issued for
    // any other audience (or a key set shared by several issuers) would pass here.
    for (const claim of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
      if (env.JWT_JWKS_URL && !env[claim]) {
        ctx.addIssue({ code: 'custom', path: [claim], message: 'is required when JWT_JWKS_URL is set' });
      }
    }
    if (env.AUTH_DEV_LOGIN && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_DEV_LOGIN'],
        message: 'must be off when NODE_ENV=production',
      });
    }
    if (env.LLM_PROVIDER === 'openai' && !env.OPENAI_BASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPENAI_BASE_URL'],
        message: 'is required when LLM_PROVIDER=openai',
      });
    }
    if (env.LLM_PROVIDER === 'openai' && !env.LLM_MODEL) {
      ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message: 'is required when LLM_PROVIDER=openai' });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws a ConfigError that names every bad variable and why. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty value in .env means "not set", as it does for most dotenv users.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}
