/**
 * The floor plan of `src/`, enforced: `npm run deps` (part of `npm test`). Each rule below is one
 * line of the layer table in `docs/architecture.md`; change both together.
 *
 * Every layer may import `src/errors.ts` and `src/internal/` (the base); beyond that, each layer
 * imports only the layers listed for it. Type-only imports count (`tsPreCompilationDeps`): a type
 * from a layer is still a dependency on it.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** The layers that run on any Web-standard runtime (Node, Deno, Bun, Workers, browsers). */
const WEB_LAYERS = '^src/(core/|app/|providers/|internal/|errors\\.ts$|index\\.ts$)';
/** Any npm package but `jose`, the only runtime dependency of the package. */
const PACKAGE_BUT_JOSE = { path: '(^|/)node_modules/', pathNot: '(^|/)node_modules/jose/' };

/**
 * "`from` imports only `allowed` (plus the base)": every other file of `src/` is forbidden.
 *
 * @param {string} name - the rule name.
 * @param {string} from - the layer, as a path pattern.
 * @param {string[]} allowed - path patterns (below `src/`) of the layers it may import.
 * @param {string} comment - the line of the layer table.
 */
function layer(name, from, allowed, comment) {
  const base = ['errors\\.ts$', 'internal/'];
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: `^src/(${[...base, ...allowed].join('|')})` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only ones included: a cycle makes load order and layering meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a typo in a path would otherwise hide a dependency from these rules).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },

    // ── layers: who may import whom (docs/architecture.md, the table) ────────────────────────────
    {
      name: 'errors-imports-only-redact',
      comment: 'src/errors.ts is the root: it imports only the URL redaction helper its messages use.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/internal/redact\\.ts$' },
    },
    layer('internal-imports-only-errors', '^src/internal/', [], 'internal: small helpers, below every layer.'),
    layer('core-imports-only-base', '^src/core/', ['core/'], 'core: the protocol core, on errors and internal only.'),
    layer('providers-import-only-core', '^src/providers/', ['providers/', 'core/'], 'providers: presets, on core.'),
    layer('storage-imports-only-core', '^src/storage/', ['storage/', 'core/'], 'storage: stores; of core, types only (next rule).'),
    {
      name: 'storage-imports-only-core-types',
      comment: 'storage may name core types, never run core code.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    layer(
      'vault-imports-only-storage-core',
      '^src/vault/',
      ['vault/', 'storage/', 'core/'],
      'vault: the token vault, on storage and core; the app wires it, never the reverse.',
    ),
    layer(
      'app-imports-only-lower-layers',
      '^src/app/',
      ['app/', 'vault/', 'storage/', 'providers/', 'core/'],
      'app: createAuth and the routes, on vault, storage, providers and core.',
    ),
    layer('adapters-import-only-app', '^src/adapters/', ['adapters/', 'app/'], 'adapters: thin framework bridges over the app layer.'),
    layer('dev-imports-only-core', '^src/dev/', ['dev/', 'core/'], 'dev: the development IdP, on core (it must not depend on the app it tests).'),
    layer(
      'index-exports-only-app-api',
      '^src/index\\.ts$',
      ['app/', 'vault/', 'storage/', 'providers/'],
      'src/index.ts (`latchkey`): the app layer, errors and the types an app names.',
    ),
    {
      name: 'nothing-imports-the-cli',
      comment: 'cli may import everything; nothing imports it (nor the root entry point).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/(cli/|index\\.ts$)' },
    },

    // ── runtime APIs: Node and packages only where the table allows them ─────────────────────────
    {
      name: 'no-node-in-web-layers',
      comment:
        'core, app, providers, internal, errors.ts and index.ts are Web-only: no node: module (or bare builtin). ' +
        'The one exception, src/core/endpoint-policy.ts, is the next two rules.',
      severity: 'error',
      from: { path: WEB_LAYERS, pathNot: '^src/core/endpoint-policy\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'endpoint-policy-loads-only-node-dns',
      comment:
        'Exception: the endpoint policy resolves host names with node:dns, loaded lazily (a dynamic import behind a ' +
        '"is this Node?" check, so other runtimes never load it). No other builtin.',
      severity: 'error',
      from: { path: '^src/core/endpoint-policy\\.ts$' },
      to: { dependencyTypes: ['core'], pathNot: '^dns$' },
    },
    {
      name: 'endpoint-policy-loads-node-dns-lazily',
      comment: 'The exception is for a dynamic import() only: a static import of node:dns would break every non-Node runtime.',
      severity: 'error',
      from: { path: '^src/core/endpoint-policy\\.ts$' },
      to: { path: '^dns$', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'web-layers-depend-on-jose-only',
      comment: 'The Web-only layers use no package but jose (the only runtime dependency).',
      severity: 'error',
      from: { path: WEB_LAYERS },
      to: PACKAGE_BUT_JOSE,
    },
    {
      name: 'storage-node-and-drivers-only-in-sql-redis',
      comment: 'storage: Node and the database clients only in sql/ and redis.ts (redis-cluster.ts); memory, linking, types and drizzle/ stay Web.',
      severity: 'error',
      from: { path: '^src/storage/', pathNot: '^src/storage/(sql/|redis(-cluster)?\\.ts$)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'storage-drivers-only-in-sql-redis',
      comment: 'storage: the optional peer packages (kysely, drivers, redis) only in sql/ and redis.ts (redis-cluster.ts); drizzle-orm only in drizzle/.',
      severity: 'error',
      from: { path: '^src/storage/', pathNot: '^src/storage/(sql/|drizzle/|redis(-cluster)?\\.ts$)' },
      to: PACKAGE_BUT_JOSE,
    },
    {
      name: 'storage-drizzle-on-drizzle-orm-only',
      comment: "storage: drizzle/ runs on the app's Drizzle database: drizzle-orm is its only package, no driver, no Node API.",
      severity: 'error',
      from: { path: '^src/storage/drizzle/' },
      to: { path: '(^|/)node_modules/', pathNot: '(^|/)node_modules/(jose|drizzle-orm)/' },
    },
    {
      name: 'vault-no-node',
      comment: 'vault: Web APIs plus store clients; no node: module.',
      severity: 'error',
      from: { path: '^src/vault/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'vault-store-clients-only-in-locks',
      comment: 'vault: the store clients (pg, redis) only in locks/.',
      severity: 'error',
      from: { path: '^src/vault/', pathNot: '^src/vault/locks/' },
      to: PACKAGE_BUT_JOSE,
    },
    {
      name: 'dev-node-only-for-listening',
      comment: 'dev: a Web handler; Node only in server.ts (the node:http bridge) and cli.ts (argument parsing, ports).',
      severity: 'error',
      from: { path: '^src/dev/', pathNot: '^src/dev/(server|cli)\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'hono-adapter-node-types-only',
      comment:
        'adapters: the Hono adapter (and the Node helpers it shares) runs on Bun, Deno and Workers too: Node types only ' +
        '(type-only imports), never a runtime node: module.',
      severity: 'error',
      from: { path: '^src/adapters/(hono\\.ts|internal/node-http\\.ts)$' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'bun-builtins-only-in-bun-sqlite',
      comment: 'storage/sql: Bun builtins (bun:sqlite) only in storage/sql/bun-sqlite.ts, the SQLite driver on Bun.',
      severity: 'error',
      from: { pathNot: '^src/storage/sql/bun-sqlite\\.ts$' },
      to: { path: '^bun:' },
    },
    {
      name: 'bun-sqlite-loaded-lazily',
      comment: 'storage/sql/bun-sqlite.ts loads bun:sqlite with a dynamic import() only, when it runs on Bun: Node and Deno never resolve it.',
      severity: 'error',
      from: { path: '^src/storage/sql/bun-sqlite\\.ts$' },
      to: { path: '^bun:', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'node-builtins-only-where-the-table-allows',
      comment:
        'Node builtins only in the Node adapters, the storage drivers (sql/, redis.ts), dev (server.ts, cli.ts) and cli/, ' +
        'as the rules above say per layer; a folder of src/ without a row in the table is Web-only until it gets one.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(adapters|storage|dev|cli|vault|core|app|providers|internal)/|^src/(errors|index)\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'dev-depends-on-jose-only',
      comment: 'dev: no package but jose (it ships in the package; a test OP such as oidc-provider stays in test/).',
      severity: 'error',
      from: { path: '^src/dev/' },
      to: PACKAGE_BUT_JOSE,
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
