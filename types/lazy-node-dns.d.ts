/**
 * The one Node API the Web-only layers may touch: `src/core/endpoint-policy.ts` loads `node:dns`
 * lazily, behind a check that the runtime is Node, to resolve host names for the endpoint policy
 * (other runtimes get no resolver). `tsconfig.web.json` compiles core, app and providers without
 * `@types/node`, so it declares here only the part of `node:dns` that module uses; the main
 * `tsconfig.json` checks the same code against the real `@types/node`. Any other `node:` import in
 * those layers is refused by the `no-node-in-web-layers` rule of `.dependency-cruiser.cjs`.
 */
declare module 'node:dns' {
  export const promises: {
    lookup(hostname: string, options: { all: true; verbatim: boolean }): Promise<Array<{ address: string; family: number }>>;
  };
}
