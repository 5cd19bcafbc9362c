/** `relevo stores create|list|add-key`. */
import type { Command } from 'commander';
import { RelevoError } from '../errors.js';
import { addPrivateKey, createStore } from '../stores/keys.js';
import { openStorage } from '../storage/open.js';
import type { ConfigFrom } from './main.js';

export function registerStoreCommands(program: Command, configFrom: ConfigFrom): void {
  const stores = program.command('stores').description('create and list stores');

  stores
    .command('create <name>')
    .description('create a store; prints its public key and its private key (shown once)')
    .option('--public-key <key>', 'public key to use (default: random)')
    .option('--private-key <key>', 'private key to use, 32+ letters/digits (default: random)')
    .option('--json', 'print {"name","public_key","private_key"} as JSON')
    .option('--db <url>', 'database URL')
    .action(async (name: string, opts: { publicKey?: string; privateKey?: string; json?: boolean; db?: string }) => {
      await withStorage(configFrom({ databaseUrl: opts.db }).databaseUrl, async (storage) => {
        const created = await createStore(storage, { name, publicKey: opts.publicKey, privateKey: opts.privateKey });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ name: created.store.name, public_key: created.publicKey, private_key: created.privateKey })}\n`);
        } else {
          process.stdout.write(`store:       ${created.store.name}\npublic key:  ${created.publicKey}\nprivate key: ${created.privateKey}   (shown once; keep it)\n`);
        }
      });
    });

  stores
    .command('add-key <store>')
    .description('add another named private key to a store; prints it once')
    .requiredOption('--name <name>', 'a name for the key, e.g. "erp"')
    .option('--private-key <key>', 'the key to use (default: random)')
    .option('--db <url>', 'database URL')
    .action(async (storeName: string, opts: { name: string; privateKey?: string; db?: string }) => {
      await withStorage(configFrom({ databaseUrl: opts.db }).databaseUrl, async (storage) => {
        const store = await storage.stores.findStoreByName(storeName);
        if (!store) throw new CliError(`no store named "${storeName}"`);
        const key = await addPrivateKey(storage, store.id, opts.name, opts.privateKey);
        process.stdout.write(`private key "${opts.name}" for ${store.name}: ${key}   (shown once; keep it)\n`);
      });
    });

  stores
    .command('list')
    .description('list stores with their public keys and private key names')
    .option('--json', 'print as JSON')
    .option('--db <url>', 'database URL')
    .action(async (opts: { json?: boolean; db?: string }) => {
      await withStorage(configFrom({ databaseUrl: opts.db }).databaseUrl, async (storage) => {
        const rows = [];
        for (const s of await storage.stores.listStores()) {
          const keys = await storage.stores.listPrivateKeys(s.id);
          rows.push({ name: s.name, public_key: s.publicKey, private_keys: keys.map((k) => k.name), created_at: s.createdAt });
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else for (const r of rows) process.stdout.write(`${r.name}\t${r.public_key}\tprivate keys: ${r.private_keys.join(', ')}\n`);
      });
    });
}

export class CliError extends Error {}

/** Opens storage, runs fn, closes; a known error becomes one line on stderr and exit code 1. */
export async function withStorage<T>(url: string, fn: (storage: Awaited<ReturnType<typeof openStorage>>) => Promise<T>): Promise<T> {
  const storage = await openStorage(url);
  try {
    return await fn(storage);
  } catch (err) {
    if (err instanceof CliError || err instanceof RelevoError) {
      process.stderr.write(`relevo: ${err.message}\n`);
      process.exitCode = 1;
      return undefined as T;
    }
    throw err;
  } finally {
    await storage.close();
  }
}
