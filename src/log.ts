/**
 * JSON-lines logger (pino). Keys and request URLs are never logged; as a second line of defence,
 * secrets under their usual names (keys, passwords, cookies, authorization headers) are redacted
 * wherever they appear up to three levels deep (a client's log/debug metadata, request headers).
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Field names whose values are secrets. */
const SECRET_FIELDS = ['key', 'private_key', 'privateKey', 'public_key', 'password', 'passwd', 'secret', 'token', 'cookie', 'set-cookie', 'authorization', 'proxy-authorization', 'x-api-key', 'dashboard_secret', 'visitor_secret'];

/** The redaction paths: each field at the top level and one, two or three levels down. */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((f) => {
  const name = /^[A-Za-z_$][\w$]*$/.test(f) ? `.${f}` : `["${f}"]`;
  return ['', '*', '*.*', '*.*.*'].map((prefix) => (prefix ? `${prefix}${name}` : name.startsWith('.') ? name.slice(1) : name));
});

/** The logger options Relevo runs with (level, base fields, redaction). */
export function loggerOptions(level: string): LoggerOptions {
  return { level, base: { app: 'relevo' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
}

/** A logger writing JSON lines to stdout (fd 1), stderr (fd 2) or the given stream. */
export function createLogger(level: string, to: 1 | 2 | DestinationStream = 1): Logger {
  return pino(loggerOptions(level), typeof to === 'number' ? pino.destination({ fd: to, sync: false }) : to);
}
