import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The console's page code (renderer/src, and the neutral console/ contract it shares with Electron's
 * main process) runs in a browser or a sandboxed window: no Node module, no Node global, and nothing
 * from the server but types. tsconfig.web.json gives it the DOM library and no Node types, but that
 * alone cannot catch `import 'node:fs'`: the page type-imports `AppRouter`, whose declarations reach
 * pino's, which pull all of Node's types into the web program. So this test reads the imports.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const WEB_DIRS = ['renderer/src', 'console'];
const NODE_GLOBALS = new Set(['process', 'Buffer', 'require', '__dirname', '__filename']);
const NODE_MODULES = new Set(builtinModules);

type Violation = { file: string; line: number; problem: string };

/** What in one page source file reaches for Node or for server code at run time. */
function webViolations(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Violation[] = [];
  const report = (node: ts.Node, problem: string) =>
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, problem });
  const inWeb = (spec: string) => {
    const target = relative(ROOT, resolve(dirname(join(ROOT, file)), spec));
    return WEB_DIRS.some((dir) => target === dir || target.startsWith(`${dir}/`));
  };
  const checkSpecifier = (node: ts.Node, spec: string, typeOnly: boolean) => {
    if (spec.startsWith('node:') || NODE_MODULES.has(spec.split('/')[0]!)) report(node, `imports Node's "${spec}"`);
    else if (spec.startsWith('.') && !inWeb(spec) && !typeOnly) report(node, `imports "${spec}" outside ${WEB_DIRS.join(' and ')} at run time (only \`import type\` may)`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly || (!clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      checkSpecifier(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      checkSpecifier(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      checkSpecifier(node, node.arguments[0].text, false);
    } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent);
      if (!isName) report(node, `uses Node's global \`${node.text}\``);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function webFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|tsx|mts)$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of WEB_DIRS) if (existsSync(join(ROOT, dir))) walk(dir);
  return files;
}

describe('the console page code', () => {
  it('imports no Node module, uses no Node global, and takes only types from the server', () => {
    const files = webFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((f) => webViolations(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('the check sees a Node import, a Node global and a run-time import of server code', () => {
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import path from 'path';",
      "import { appRouter } from '../../server/trpc/router.ts';",
      "import type { AppRouter } from '../../server/trpc/router.ts';",
      "import { type AppRouter as R } from '../../server/trpc/router.ts';",
      "import { x } from './local.ts';",
      'export const home = process.env.HOME;',
      'const o = { process: 1 }; o.process;',
    ].join('\n');
    expect(webViolations('renderer/src/app/x.ts', text).map((v) => `${v.line}: ${v.problem}`)).toEqual([
      `1: imports Node's "node:fs"`,
      `2: imports Node's "path"`,
      '3: imports "../../server/trpc/router.ts" outside renderer/src and console at run time (only `import type` may)',
      "7: uses Node's global `process`",
    ]);
  });
});
