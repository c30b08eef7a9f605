/**
 * The house rules of `src/` that a tool can check (docs/architecture.md, "House rules"): no file
 * over 500 lines, no function or closure over 150 lines (every function-like node the TypeScript
 * compiler sees: declarations, methods, accessors, constructors, function expressions, arrows),
 * and no error object mutated to carry an answer's cookies or headers back to the router. Each
 * check is also run on a small sample that breaks it, so a broken walk cannot pass by finding
 * nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 150;

/** Every `.ts` file under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The number of lines of a source text (a final newline does not start a line). */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The function-like nodes of a source text longer than `max` lines: `name (first line): lines`. */
function longFunctions(fileName: string, text: string, max = MAX_FUNCTION_LINES): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) {
        const named = node.name ?? (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) ? node.parent.name : undefined);
        const name = named && ts.isIdentifier(named) ? named.text : '(anonymous)';
        found.push(`${name} (line ${start + 1}): ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `Object.assign(<an error>, …)` or a property written onto a caught error: an error made to carry an answer. */
function mutatedErrors(text: string): string[] {
  const patterns = [/Object\.assign\(\s*new\s+\w*Error\b/g, /Object\.assign\(\s*(error|err|e)\s*,/g, /\b(error|err)\.(setCookies|headers|allow)\s*=/g];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[0]));
}

const files = tsFiles(join(repo, 'src'));

describe('house rules of src/', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`no src/ file is over ${MAX_FILE_LINES} lines`, () => {
    const over = files
      .map((f) => ({ f: relative(repo, f), n: lineCount(readFileSync(f, 'utf8')) }))
      .filter(({ n }) => n > MAX_FILE_LINES)
      .map(({ f, n }) => `${f}: ${n} lines`);
    expect(over).toEqual([]);
  });

  it(`no function or closure in src/ is over ${MAX_FUNCTION_LINES} lines`, () => {
    const over = files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')).map((x) => `${relative(repo, f)}: ${x}`));
    expect(over).toEqual([]);
  });

  it('no error is mutated to carry cookies or headers (routes return answers; the router maps plain errors)', () => {
    const found = files.flatMap((f) => mutatedErrors(readFileSync(f, 'utf8')).map((x) => `${relative(repo, f)}: ${x}`));
    expect(found).toEqual([]);
  });
});

describe('the checks catch what they are for', () => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

  it('a long function of each kind is found, a short one is not', () => {
    const text = [
      `function declared() {\n${body(150)}\n}`,
      `const arrow = () => {\n${body(150)}\n};`,
      `class C {\n  method() {\n${body(150)}\n  }\n}`,
      `const outer = function () {\n  const inner = () => {\n${body(150)}\n  };\n};`,
      `function short() {\n${body(148)}\n}`,
    ].join('\n');
    const found = longFunctions('sample.ts', text);
    expect(found.map((f) => f.split(' ')[0])).toEqual(['declared', 'arrow', 'method', 'outer', 'inner']);
    expect(found.some((f) => f.startsWith('short'))).toBe(false);
  });

  it('the line count is exact at the limit', () => {
    expect(lineCount('a\n'.repeat(MAX_FILE_LINES))).toBe(MAX_FILE_LINES);
    expect(lineCount(`${'a\n'.repeat(MAX_FILE_LINES)}b`)).toBe(MAX_FILE_LINES + 1);
  });

  it('an error mutated to carry cookies is found', () => {
    expect(mutatedErrors("throw Object.assign(new ValidationError('X'), { setCookies: clear });")).toHaveLength(1);
    expect(mutatedErrors('error.headers = { allow };')).toHaveLength(1);
    expect(mutatedErrors('const out = Object.assign(target, source);')).toEqual([]);
  });
});
