/**
 * Setup file of the Node matrix (`vitest.matrix.config.ts`): runs in each test worker before its
 * test file, and fails the file unless the worker runs the Node major version named by
 * `LATCHKEY_MATRIX_NODE`, so a matrix run cannot pass on the wrong binary.
 */
const want = process.env.LATCHKEY_MATRIX_NODE;
const major = process.versions.node.split('.')[0];
if (!want || major !== want) {
  throw new Error(`the Node matrix asked for Node ${want ?? '(unset)'}, but this worker runs ${process.version} (${process.execPath})`);
}
