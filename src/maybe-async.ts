/**
 * Values that are usually ready at once (an in-memory catalog, a cached key) but may need a load
 * first. The request path chains them without a promise when they are ready: each promise and
 * await cost a measurable share of a small call.
 */

/** A value now, or later. */
export type MaybePromise<T> = T | Promise<T>;

/** fn(value) now when value is ready, else once it is. */
export function whenReady<T, U>(value: MaybePromise<T>, fn: (ready: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
