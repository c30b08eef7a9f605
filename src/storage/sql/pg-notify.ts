/**
 * Cross-process session revocation over PostgreSQL LISTEN/NOTIFY: each process publishes the ids
 * it revoked, and every other process's in-process session cache drops them at once. A dedicated
 * connection listens and reconnects by itself (bounded backoff) after the database comes back.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely';
import { randomToken } from '../../internal/encoding.js';
import { importPeer } from '../../internal/peer.js';
import type { Database } from './schema.js';
import type { RevocationBus } from './store.js';

/** Options of {@link createPgRevocationBus}. */
export interface PgRevocationBusOptions {
  /** The store's Kysely instance (NOTIFY goes through its pool). */
  readonly db: Kysely<Database>;
  /** For the dedicated LISTEN connection. */
  readonly connectionString: string;
  /** The channel name (validated by the caller: letters, digits, underscores). */
  readonly channel: string;
  readonly connectTimeoutMs: number;
}

/** Ids per NOTIFY: payloads are limited to 8000 bytes. */
const CHUNK = 100;

interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', fn: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', fn: (err?: Error) => void): unknown;
}

/**
 * Creates the LISTEN/NOTIFY bus. The LISTEN connection opens on the first subscription.
 *
 * @param options - the pool, the connection string and the channel.
 * @returns the bus.
 * @see [PostgreSQL - NOTIFY](https://www.postgresql.org/docs/current/sql-notify.html)
 */
export function createPgRevocationBus(options: PgRevocationBusOptions): RevocationBus {
  const origin = randomToken(9);
  const listeners = new Set<(ids: readonly string[]) => void>();
  let client: ListenClient | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let backoff = 250;

  const deliver = (payload: string | undefined) => {
    if (!payload) return;
    let msg: unknown;
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const { o, ids } = msg as { o?: unknown; ids?: unknown };
    if (o === origin || !Array.isArray(ids)) return;
    const clean = ids.filter((x): x is string => typeof x === 'string');
    for (const l of listeners) {
      try {
        l(clean);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  };

  const schedule = () => {
    if (closed || listeners.size === 0 || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect().catch(() => schedule());
    }, backoff);
    retry.unref?.();
    backoff = Math.min(backoff * 2, 5000);
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const { default: pg } = await importPeer(() => import('pg'));
      const c = new pg.Client({
        connectionString: options.connectionString,
        connectionTimeoutMillis: options.connectTimeoutMs,
        keepAlive: true,
      }) as unknown as ListenClient;
      c.on('error', () => {
        if (client === c) client = undefined;
        void c.end().catch(() => {});
        schedule();
      });
      c.on('end', () => {
        if (client === c) client = undefined;
        schedule();
      });
      c.on('notification', (m) => {
        if (m.channel === options.channel) deliver(m.payload);
      });
      try {
        await c.connect();
        await c.query(sql`listen ${sql.id(options.channel)}`.compile(options.db).sql);
      } catch (err) {
        void c.end().catch(() => {});
        throw err;
      }
      if (closed) {
        await c.end().catch(() => {});
        return;
      }
      client = c;
      backoff = 250;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async publish(ids) {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const payload = JSON.stringify({ o: origin, ids: ids.slice(i, i + CHUNK) });
        await sql`select pg_notify(${options.channel}, ${payload})`.execute(options.db);
      }
    },
    async subscribe(listener) {
      listeners.add(listener);
      if (!client) {
        try {
          await connect();
        } catch {
          // The database is down: keep trying in the background; revocations made meanwhile
          // are missed, and caches fall back to their short TTL.
          schedule();
        }
      }
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
