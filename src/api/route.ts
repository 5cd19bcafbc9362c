/**
 * The route table type. Each entry is one Clerk endpoint: its name (the path after /v2/), the
 * methods it takes, its auth level and argument schema. The table is the compatibility matrix
 * that test/compat.test.ts checks against docs/compat.md.
 */
import type { Infer, JsonSchema, ObjectSchema, Shape } from './validate.js';
import type { StoreRecord } from '../storage/ports.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** `public`: the store's public key alone; `private`: public + a private key. */
export type Auth = 'public' | 'private';

export interface RequestInfo {
  ip: string;
  userAgent: string;
  /** Immediate peer address (for trusted-proxy decisions). */
  remoteAddress: string;
  forwardedFor: string | undefined;
  method: Method;
}

export interface HandlerContext {
  store: StoreRecord;
  request: RequestInfo;
  /** True when a valid private key came with the request (public endpoints may unlock extras). */
  privileged: boolean;
}

/** An endpoint's argument schema: an object of named arguments. */
export type ArgsSchema = ObjectSchema<Shape>;

export interface RouteDef<S extends ArgsSchema = ArgsSchema> {
  /** Clerk endpoint name, e.g. `product/add`, `products`, `log/click`. */
  name: string;
  methods: readonly Method[];
  auth: Auth;
  schema: S;
  handler(args: Infer<S>, ctx: HandlerContext): unknown;
  /** Answer the handler's value as it is, without the ok envelope (`product/attributes`). */
  bare?: boolean;
  /** The answer's fields besides `status` (api/answers.ts), for docs/openapi.json; or, when bare, the whole answer. */
  answer?: JsonSchema;
}

/** Identity helper that keeps the schema's inferred type for the handler. */
export function route<S extends ArgsSchema>(def: RouteDef<S>): RouteDef<S> {
  return def;
}
