/** JSON-lines logger (pino). Keys and request URLs are never logged. */
import { pino, type Logger } from 'pino';

/** A logger writing JSON lines to stdout (fd 1) or stderr (fd 2). */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino({ level, base: { app: 'relevo' }, redact: ['key', 'private_key', '*.key', '*.private_key'] }, pino.destination({ fd, sync: false }));
}
