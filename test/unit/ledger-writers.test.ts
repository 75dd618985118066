import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md: "Only the recorder writes telemetry rows; only summary and prune read or delete them."
 * This test reads the product's source tree (everything that ships: server/, electron/, renderer/,
 * bin/, scripts/) and finds every reference to the telemetry ledger and its derived rollups, by
 * table name (`product_usage_*`) or Prisma model (`productUsage*`), outside comments. The generated
 * Prisma client, schema and migrations are not product code and are not read. Benchmarks (bench/)
 * and tests may build fixtures directly and are not product code either.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const PRODUCT_DIRS = ['server', 'electron', 'renderer', 'bin', 'scripts'];
const EXCLUDED = [/^server\/db\/generated\//];
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;

const RECORDER = 'server/telemetry/recorder.ts';
const SUMMARY = 'server/telemetry/summary.ts';
const PRUNE = 'server/telemetry/prune.ts';

/** Any ledger table or Prisma model: the ledger itself and every rollup derived from it. */
const LEDGER_REFERENCE = /\bproduct_usage_[a-z_]+\b|\bproductUsage[A-Za-z]*\b|\bProductUsage[A-Za-z]*\b/g;
const LEDGER_TABLE = String.raw`"?product_usage_[a-z_]+"?`;
const INSERT = new RegExp(String.raw`\bINSERT\s+INTO\s+${LEDGER_TABLE}`, 'i');
const UPDATE = new RegExp(String.raw`\bUPDATE\s+${LEDGER_TABLE}`, 'i');
const DELETE = new RegExp(String.raw`\bDELETE\s+FROM\s+${LEDGER_TABLE}|\bTRUNCATE\b[^;]*product_usage_`, 'i');
const PRISMA_WRITE = /\bproductUsage[A-Za-z]*\s*\.\s*(create|createMany|createManyAndReturn|upsert|update|updateMany|updateManyAndReturn)\b/;
const PRISMA_DELETE = /\bproductUsage[A-Za-z]*\s*\.\s*(delete|deleteMany)\b/;

/** The code of a source file with its comments removed (strings and templates kept). */
function codeWithoutComments(text: string, fileName = 'x.ts'): string {
  const variant = /\.[jt]sx$/.test(fileName) ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, variant, text);
  let out = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) continue;
    // Template literals arrive in pieces; re-scan their middles and tails so SQL in them is kept whole.
    if (kind === ts.SyntaxKind.CloseBraceToken) {
      const rescanned = scanner.reScanTemplateToken(false);
      if (rescanned === ts.SyntaxKind.TemplateMiddle || rescanned === ts.SyntaxKind.TemplateTail) {
        out += scanner.getTokenText();
        continue;
      }
    }
    out += scanner.getTokenText();
  }
  return out;
}

type Effects = { inserts: boolean; updates: boolean; deletes: boolean };
type Finding = Effects & { file: string; references: string[] };

const effectsOf = (sql: string): Effects => ({ inserts: INSERT.test(sql), updates: UPDATE.test(sql), deletes: DELETE.test(sql) });

/**
 * Database functions defined by the migrations (`CREATE FUNCTION name(...) ... $$ body $$`) and what
 * their bodies do to the ledger, so code calling one is judged by what the function does.
 */
function sqlFunctions(migrations: string[]): Map<string, Effects & { body: string }> {
  const functions = new Map<string, Effects & { body: string }>();
  const definition = /CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:"?\w+"?\.)?"?(\w+)"?\s*\(([\s\S]*?)(\$\w*\$)([\s\S]*?)\3/gi;
  for (const sql of migrations) {
    for (const m of sql.matchAll(definition)) functions.set(m[1]!.toLowerCase(), { ...effectsOf(m[4]!), body: m[4]! });
  }
  return functions;
}

/** What one file does with the ledger, judged from its code (comments ignored). */
function inspect(file: string, text: string, functions = new Map<string, Effects>()): Finding | undefined {
  const code = codeWithoutComments(text, file);
  const references = [...new Set(code.match(LEDGER_REFERENCE) ?? [])].sort();
  if (references.length === 0) return undefined;
  const called = [...code.matchAll(/\b(\w+)\s*\(/g)].map((m) => functions.get(m[1]!.toLowerCase())).filter((f) => f !== undefined);
  const direct = effectsOf(code);
  return {
    file,
    references,
    inserts: direct.inserts || PRISMA_WRITE.test(code) || called.some((f) => f.inserts),
    updates: direct.updates || called.some((f) => f.updates),
    deletes: direct.deletes || PRISMA_DELETE.test(code) || called.some((f) => f.deletes),
  };
}

const MIGRATIONS_DIR = join(ROOT, 'prisma/migrations');
const migrationSql = () =>
  readdirSync(MIGRATIONS_DIR)
    .filter((d) => existsSync(join(MIGRATIONS_DIR, d, 'migration.sql')))
    .sort()
    .map((d) => readFileSync(join(MIGRATIONS_DIR, d, 'migration.sql'), 'utf8'));

function productFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      const rel = relative(ROOT, path);
      if (EXCLUDED.some((re) => re.test(rel + (statSync(path).isDirectory() ? '/' : '')))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (SOURCE.test(name)) files.push(rel);
    }
  };
  for (const dir of PRODUCT_DIRS) if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return files.sort();
}

const findings = () => {
  const functions = sqlFunctions(migrationSql());
  return productFiles()
    .map((file) => inspect(file, readFileSync(join(ROOT, file), 'utf8'), functions))
    .filter((f): f is Finding => f !== undefined);
};

describe('who touches the telemetry ledger (a scan of the product source tree)', () => {
  it('reads the whole product tree (the scan is not vacuous)', () => {
    const files = productFiles();
    expect(files).toContain(RECORDER);
    expect(files).toContain('server/domain/operations/service.ts');
    expect(files.some((f) => f.startsWith('server/db/generated/'))).toBe(false);
  });

  it('finds ledger references only in the recorder, the summary and the prune', () => {
    expect(findings().map((f) => f.file)).toEqual([PRUNE, RECORDER, SUMMARY]);
  });

  it('lets only the recorder insert ledger rows', () => {
    expect(findings().filter((f) => f.inserts).map((f) => f.file)).toEqual([RECORDER]);
  });

  it('lets only the prune delete ledger rows', () => {
    expect(findings().filter((f) => f.deletes).map((f) => f.file)).toEqual([PRUNE]);
  });

  it('keeps the summary read-only', () => {
    const summary = findings().find((f) => f.file === SUMMARY);
    expect(summary).toMatchObject({ inserts: false, updates: false, deletes: false });
    expect(summary?.references).toContain('product_usage_events');
  });

  it('leaves no database trigger that writes the ledger behind the source actions', () => {
    const functions = sqlFunctions(migrationSql());
    const writers = [...functions].filter(([, f]) => f.inserts || f.updates || f.deletes).map(([name]) => name);
    const triggers = migrationSql().flatMap((sql) => [...sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER[\s\S]*?EXECUTE\s+(?:FUNCTION|PROCEDURE)\s+"?(\w+)"?/gi)]);
    expect(triggers.map((t) => t[1]!.toLowerCase()).filter((name) => writers.includes(name))).toEqual([]);
    // a ledger-writing function is reachable only from the recorder or the prune
    const callers = findings().filter((f) => writers.some((w) => f.references.includes(w))).map((f) => f.file);
    expect(callers.every((file) => file === RECORDER || file === PRUNE)).toBe(true);
  });
});

describe('the ledger scanner itself (so the scan above can fail)', () => {
  it('flags a raw insert planted in a domain service', () => {
    const planted = 'await tx.$executeRaw`INSERT INTO product_usage_events (id) VALUES (${id})`;';
    expect(inspect('server/domain/reports/service.ts', planted)).toMatchObject({ inserts: true, references: ['product_usage_events'] });
  });

  it('flags a quoted table name and SQL split over template pieces', () => {
    const planted = 'await tx.$queryRaw`SELECT 1 FROM ${x} WHERE a = ${y}; DELETE FROM "product_usage_hourly_counts" WHERE b = ${z}`;';
    expect(inspect('server/x.ts', planted)).toMatchObject({ deletes: true, references: ['product_usage_hourly_counts'] });
  });

  it('flags Prisma model access, reads as well as writes', () => {
    expect(inspect('server/x.ts', 'await db.productUsageEvent.findMany({})')).toMatchObject({ inserts: false, references: ['productUsageEvent'] });
    expect(inspect('server/x.ts', 'await db.productUsageEvent.createMany({ data })')).toMatchObject({ inserts: true });
    expect(inspect('server/x.ts', 'await db.productUsageWorkspaceDay.deleteMany({})')).toMatchObject({ deletes: true });
    expect(inspect('renderer/src/x.tsx', 'const x = <div>{db.productUsageHourlyCount.update({})}</div>;')).toMatchObject({ inserts: true });
  });

  it('flags any rollup table, including ones added later', () => {
    expect(inspect('server/x.ts', "q('UPDATE product_usage_daily_counts SET n = 0')")).toMatchObject({ updates: true });
  });

  it('judges a call to a database function by what the function does', () => {
    const functions = sqlFunctions([
      'CREATE FUNCTION "product_usage_sneak"(a INT) RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "product_usage_events" VALUES (a); END $$;',
      'CREATE OR REPLACE FUNCTION audit_only() RETURNS trigger AS $body$ BEGIN INSERT INTO audit_logs VALUES (1); END $body$ LANGUAGE plpgsql;',
    ]);
    expect(functions.get('product_usage_sneak')).toMatchObject({ inserts: true });
    expect(functions.get('audit_only')).toMatchObject({ inserts: false });
    expect(inspect('server/domain/x.ts', 'await tx.$queryRaw`SELECT product_usage_sneak(${1})`;', functions)).toMatchObject({ inserts: true });
  });

  it('ignores the ledger mentioned only in comments', () => {
    expect(inspect('server/x.ts', '// reads product_usage_events\n/* productUsageEvent */\nconst a = 1;')).toBeUndefined();
  });
});
