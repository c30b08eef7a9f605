/**
 * The SQL schema as Kysely sees it, and the plugin that applies the table prefix. Times are epoch
 * milliseconds in BIGINT columns and booleans are 0/1 integers, the same on every dialect.
 *
 * @module
 */
import {
  type ColumnType,
  IdentifierNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from 'kysely';

/** A BIGINT epoch-ms column: PostgreSQL returns it as a string, the others as a number. */
export type Millis = ColumnType<number | string | bigint, number, number>;
/** A nullable BIGINT epoch-ms column. */
export type MillisOrNull = ColumnType<number | string | bigint | null, number | null, number | null>;
/** A 0/1 flag column. */
export type Flag = ColumnType<number | boolean, number, number>;
/** A 0/1 flag column with a default. */
export type DefaultFlag = ColumnType<number | boolean, number | undefined, number>;
/** An integer counter with a default. */
export type Counter = ColumnType<number | string, number | undefined, number>;

/** `users`. */
export interface UsersTable {
  id: string;
  email: string | null;
  /** Lower-cased email: the unique, case-insensitive lookup key. */
  email_lower: string | null;
  email_verified: Flag;
  name: string | null;
  image: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** `accounts`: one row per linked provider identity, unique (issuer, subject). */
export interface AccountsTable {
  id: string;
  user_id: string;
  provider_id: string;
  issuer: string;
  subject: string;
  /** Space-separated granted scopes. */
  scopes: string;
  /** The tokens JSON, AES-GCM encrypted (`lk1.<keyId>.<iv>.<ct>`). */
  tokens_enc: string | null;
  /** The id of the key that encrypted `tokens_enc` (for re-encryption after rotation). */
  token_key_id: string | null;
  /** Access token expiry (plain, for queries such as "expiring soon"). */
  token_expires_at: MillisOrNull;
  needs_reauth: DefaultFlag;
  token_version: Counter;
  created_at: Millis;
  updated_at: Millis;
}

/** `sessions`: keyed by the SHA-256 of the cookie's session id. */
export interface SessionsTable {
  id: string;
  user_id: string;
  provider_id: string;
  issuer: string;
  subject: string;
  sid: string | null;
  created_at: Millis;
  idle_expires_at: Millis;
  absolute_expires_at: Millis;
  /** JSON. */
  data: string;
}

/** `replay`: one-time values (a used `state`, a seen logout-token `jti`), hashed, until they expire. */
export interface ReplayTable {
  scope: string;
  /** base64url SHA-256 of the value. */
  value_hash: string;
  /** A random token of the write that recorded it (a retried insert recognises its own row). */
  writer: string;
  expires_at: Millis;
}

/** `revocations`: cookie-strategy sessions revoked by selector (hashed), until they would have expired. */
export interface RevocationsTable {
  selector_hash: string;
  revoked_at: Millis;
  expires_at: Millis;
}

/** The logical database. Table names get the configured prefix at query time. */
export interface Database {
  users: UsersTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  replay: ReplayTable;
  revocations: RevocationsTable;
}

const LOGICAL_TABLES: ReadonlySet<string> = new Set(['users', 'accounts', 'sessions', 'replay', 'revocations']);

class PrefixTransformer extends OperationNodeTransformer {
  readonly #prefix: string;
  constructor(prefix: string) {
    super();
    this.#prefix = prefix;
  }
  protected override transformSchemableIdentifier(node: SchemableIdentifierNode): SchemableIdentifierNode {
    const name = node.identifier.name;
    if (node.schema !== undefined || !LOGICAL_TABLES.has(name)) return node;
    return { ...node, identifier: IdentifierNode.create(this.#prefix + name) };
  }
}

/**
 * Renames the logical tables (`users`, `accounts`, `sessions`, `replay`, `revocations`) to `<prefix><name>`, so several
 * apps or test runs can share one database.
 */
export class TablePrefixPlugin implements KyselyPlugin {
  readonly #transformer: PrefixTransformer;
  /** @param prefix - e.g. `latchkey_`. */
  constructor(prefix: string) {
    this.#transformer = new PrefixTransformer(prefix);
  }
  /** Rewrites table names. */
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }
  /** Results are untouched. */
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

export { num } from '../rows.js';
