/**
 * The one error catalogue. Domain code throws these; only api/envelope.ts turns them into the
 * Clerk error envelope and an HTTP status.
 */
export type ErrorType =
  | 'ParsingError'
  | 'LogicalError'
  | 'AuthenticationError'
  | 'InternalError'
  | 'RateLimitError'
  | 'OverloadedError'
  | 'UnavailableError';

export class RelevoError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  /** Whole seconds until the call may be tried again (the Retry-After header), for errors that have one. */
  declare readonly retryAfter?: number;

  constructor(type: ErrorType, message: string, status: number) {
    // These answer a client and are never logged with a stack: capturing one costs more than
    // the rest of a small call (tens of µs under async frames), so none is taken.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.type = type;
    this.status = status;
    this.name = type;
  }
}

/** Malformed input: bad JSON, a missing or mistyped argument, a filter syntax error (400). */
export class ParsingError extends RelevoError {
  constructor(message: string) {
    super('ParsingError', message, 400);
  }
}

/** Well-formed but impossible (400, or 404 when the thing asked for does not exist). */
export class LogicalError extends RelevoError {
  constructor(message: string, status: 400 | 404 | 409 = 400) {
    super('LogicalError', message, status);
  }
}

/** Unknown or disabled key, private key missing or wrong (403). */
export class AuthenticationError extends RelevoError {
  constructor(message: string) {
    super('AuthenticationError', message, 403);
  }
}

/** Too many requests (429). Relevo extension. */
export class RateLimitError extends RelevoError {
  constructor(
    message: string,
    /** Whole seconds until a call may go ahead (the Retry-After header). */
    readonly retryAfter: number,
  ) {
    super('RateLimitError', message, 429);
  }
}

/**
 * The server holds as many uncommitted events as it may (RELEVO_MAX_PENDING_EVENTS): a write is
 * refused (503) rather than queued without bound. Relevo extension.
 */
export class OverloadedError extends RelevoError {
  constructor(
    message: string,
    /** Whole seconds until a write may go ahead (the Retry-After header). */
    readonly retryAfter: number,
  ) {
    super('OverloadedError', message, 503);
  }
}

/**
 * The database stayed unreachable through every retry of an operation (a lost connection, not a
 * bad statement): nothing was acknowledged, and the call may be repeated (503). Relevo extension.
 * `cause` is the last driver error, for the server log.
 */
export class UnavailableError extends RelevoError {
  readonly retryAfter = 2;

  constructor(readonly cause: unknown) {
    super('UnavailableError', 'Service unavailable: the database cannot be reached right now; nothing was stored, retry shortly', 503);
  }
}

/** `Missing Argument x`: the Clerk wording for an absent required argument. */
export function missingArgument(name: string): ParsingError {
  return new ParsingError(`Missing Argument ${name}`);
}

/** `Invalid Syntax In Argument: x`, optionally followed by what was wrong. */
export function invalidArgument(name: string, detail?: string): ParsingError {
  return new ParsingError(`Invalid Syntax In Argument: ${name}${detail ? ` (${detail})` : ''}`);
}
