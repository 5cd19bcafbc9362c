/**
 * The Clerk envelopes: `{"status":"ok", ...fields}` and
 * `{"status":"error","type","message","id","moreInfo"}`. The only place an error becomes an HTTP
 * status. An unexpected error is logged under an ID; the client gets only that ID.
 */
import { randomHex } from '../random.js';
import { RelevoError, UnavailableError, type ErrorType } from '../errors.js';

export const MORE_INFO = 'https://docs.clerk.io/reference/api-getting-started';

export interface ErrorBody {
  status: 'error';
  type: ErrorType;
  message: string;
  id: string;
  moreInfo: string;
}

export interface ShapedError {
  httpStatus: number;
  body: ErrorBody;
  /** The cause to log: set for internal errors and a database out of reach. */
  cause?: unknown;
  /** Whole seconds for the Retry-After header, for the errors a client should retry later. */
  retryAfter?: number;
}

/** A short random ID that ties an error answer to its log line. */
export function errorId(): string {
  return randomHex(6);
}

/** Turns any thrown value into an HTTP status and the Clerk error body. */
export function shapeError(err: unknown): ShapedError {
  const id = errorId();
  if (err instanceof RelevoError) {
    const shaped: ShapedError = { httpStatus: err.status, body: { status: 'error', type: err.type, message: err.message, id, moreInfo: MORE_INFO } };
    if (err instanceof UnavailableError) shaped.cause = err.cause;
    if (err.retryAfter !== undefined) shaped.retryAfter = err.retryAfter;
    return shaped;
  }
  return {
    httpStatus: 500,
    body: { status: 'error', type: 'InternalError', message: `Internal error; see the server log under id ${id}`, id, moreInfo: MORE_INFO },
    cause: err,
  };
}

/** The ok envelope around an endpoint's fields. */
export function okBody(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  return fields ? { status: 'ok', ...fields } : { status: 'ok' };
}
