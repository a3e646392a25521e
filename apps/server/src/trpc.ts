import { initTRPC } from '@trpc/server';
import type { ApiKeyScope } from '@eventlane/contracts';
import type { Context } from './context.js';
import { authenticate, requireScope } from './http/auth.js';
import { HttpError, toTRPCError } from './http/errors.js';

const t = initTRPC.context<Context>().create({
  // Never a stack trace in an answer, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const body = error.cause instanceof HttpError ? error.cause.body : undefined;
    return {
      ...shape,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        // The REST error code (`EVENT_STORE_NOT_FOUND`) and, for a 400, the zod issue list.
        error: typeof body?.error === 'string' ? body.error : undefined,
        details: body?.details,
      },
    };
  },
  sse: {
    // Keeps proxies from closing a quiet tail; the client reconnects after 2 missed pings.
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every failure leaves through the one HTTP mapping (http/errors.ts), then becomes its tRPC code. */
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

function scopedProcedure(scope: ApiKeyScope) {
  return publicProcedure.use(async ({ ctx, next }) => {
    const auth = requireScope(await authenticate(ctx.deps.storage, ctx.apiKey), scope);
    return next({ ctx: { auth } });
  });
}

export const readProcedure = scopedProcedure('read');
export const appendProcedure = scopedProcedure('append');
export const adminProcedure = scopedProcedure('admin');

/** Errors thrown while a subscription streams (after the procedure returned) take the same mapping. */
export async function* mappingErrors<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    throw toTRPCError(error);
  }
}
