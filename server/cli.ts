import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { Database } from './db/client.ts';
import { OPERATION_TYPES, type OperationType } from './domain/operations/schema.ts';

// Each command imports what it uses when it runs (`import()` below): `--help` or `migrate` never loads
// Fastify, the auth code or the seed, which keeps every command's start short (the build splits them).

/** What `system-user:create` accepts, checked before any database is opened. */
async function systemUserInput() {
  const [{ z }, { email, newPassword }] = await Promise.all([import('zod'), import('./auth/service.ts')]);
  return z.strictObject({
    email,
    displayName: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    password: newPassword,
  });
}

/** Parses a whole number within bounds, for option values. */
const intOption = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

/** Opens the configured database with migrations applied, runs `fn`, closes it. */
async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { migrate }] = await Promise.all([import('./db/client.ts'), import('./db/migrate.ts')]);
  const db = await openDatabase(config.database);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  // Interactive: prompt without echoing what is typed.
  let muted = false;
  const output = new Writable({ write: (chunk, _enc, cb) => (muted || process.stdout.write(chunk), cb()) });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stdout.write('Password: ');
  muted = true;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

/** How `serve` prints the first-run setup code (one line; tools may read the code after it). */
export const SETUP_CODE_LINE = 'No operator yet. Create the first one with this one-time setup code (valid only in this process): ';

export function buildCli(): Command {
  const program = new Command('tenantpilot')
    .description('TenantPilot product-usage telemetry: API server and operations')
    // One line per error (the usage is one `--help` away).
    .configureOutput({ outputError: (str, write) => write(`tenantpilot: ${str.split('\n')[0]!.replace(/^error: /, '')}\n`) });

  program
    .command('serve')
    .description('Serve the HTTP API (tRPC at /trpc, /healthz; /metrics on its own listener); applies pending migrations first')
    .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: PORT or 4310)', intOption('--port', 0, 65535))
    .action(async (opts: { host?: string; port?: number }) => {
      const base = loadConfig();
      const config = { ...base, host: opts.host ?? base.host, port: opts.port ?? base.port };
      // Open the database while the server code loads: PGlite's start-up waits on files and on
      // WebAssembly compilation, time in which this process can load Fastify and the routers.
      const { openDatabase } = await import('./db/client.ts');
      const opening = openDatabase(config.database);
      opening.catch(() => undefined); // awaited below; refused opens (folder in use) surface there
      const { startServer } = await import('./app.ts');
      const server = await startServer(config, { database: await opening });
      // Not in the structured log, which may be shipped elsewhere: only to whoever sees this output.
      // Before the "listening" line, so a tool that waits for that line has the code too.
      if (server.setupCode) console.log(`${SETUP_CODE_LINE}${server.setupCode}`);
      console.log(`TenantPilot API listening on ${server.url} (${config.database.kind === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL'})`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.deps.log.info({ signal }, 'shutting down');
        await server.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });

  program
    .command('migrate')
    .description('Apply pending database migrations and exit')
    .action(async () => {
      const config = loadConfig();
      const [{ openDatabase }, { migrate }] = await Promise.all([import('./db/client.ts'), import('./db/migrate.ts')]);
      const db = await openDatabase(config.database);
      try {
        const applied = await migrate(db);
        console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
      } finally {
        await db.close();
      }
    });

  program
    .command('system-user:create')
    .description('Create a platform operator (system plane); the password is read from stdin')
    .requiredOption('--email <email>', 'e-mail address used to sign in')
    .option('--name <name>', 'display name (default: the e-mail address)')
    .option('--password-stdin', 'read the password from standard input (the default when stdin is not a terminal)')
    .action(async (opts: { email: string; name?: string; passwordStdin?: boolean }) => {
      const config = loadConfig();
      // Refuse before asking for a password when another process owns the embedded database.
      if (config.database.kind === 'pglite') (await import('./db/folder-lock.ts')).assertDataFolderFree(config.database.dataDir);
      const password = await readPassword(!!opts.passwordStdin);
      // Checked before the database is opened, with the flag that was wrong named.
      const input = (await systemUserInput()).safeParse({ email: opts.email, displayName: opts.name ?? opts.email, password });
      if (!input.success) {
        const issue = input.error.issues[0]!;
        const flag = { email: '--email', displayName: '--name', password: 'the password' }[String(issue.path[0])] ?? 'input';
        throw new InvalidArgumentError(`${flag} ${issue.message}`);
      }
      await withDatabase(config, async (db) => {
        if (await db.prisma.systemUser.findUnique({ where: { email: input.data.email } })) {
          throw new InvalidArgumentError(`a system user with e-mail ${input.data.email} already exists`);
        }
        const { createSystemUser } = await import('./auth/service.ts');
        const user = await createSystemUser(db.prisma, input.data);
        console.log(`Created system user ${user.email} (${user.id}) with permission system.dashboard.view`);
      });
    });

  program
    .command('seed:demo')
    .description('Create the demo identities and drive N real source actions spread over D days (idempotent, resumable, extendable)')
    .option('--events <n>', 'telemetry-bearing actions the demo database should hold (a larger N on a seeded one adds the difference)', intOption('--events', 0, 10_000_000), 1500)
    .option('--days <d>', 'spread the actions over the last D days', intOption('--days', 1, 3650), 90)
    .option('--seed <s>', 'the demo plan: the same seed gives the same workspaces, families and times', intOption('--seed', 0, 2 ** 31 - 1))
    .action(async (opts: { events: number; days: number; seed?: number }) => {
      const config = loadConfig();
      const [{ default: cliProgress }, { createLogger, createMetrics }, { DEMO, checkDemoPassword, seedDemo }, { createRecorder }] = await Promise.all([
        import('cli-progress'),
        import('./observability.ts'),
        import('./seed/demo.ts'),
        import('./telemetry/recorder.ts'),
      ]);
      const password = process.env.TENANTPILOT_DEMO_PASSWORD || undefined;
      checkDemoPassword(password); // before the database is opened
      const log = createLogger('warn');
      await withDatabase(config, async (db) => {
        const bar = opts.events >= 200 && process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'Seeding [{bar}] {value}/{total} actions | ETA {eta}s' }, cliProgress.Presets.shades_classic) : null;
        let lastReported = 0;
        const result = await seedDemo(
          { database: db, telemetry: createRecorder({ log, metrics: createMetrics() }) },
          {
            events: opts.events,
            days: opts.days,
            seed: opts.seed,
            password,
            onProgress: (done, total) => {
              if (bar) {
                if (!bar.isActive) bar.start(total, done);
                return bar.update(done);
              }
              if (total >= 200 && done - lastReported >= total / 10) {
                lastReported = done;
                console.log(`Seeding: ${done}/${total} actions`);
              }
            },
          },
        );
        bar?.stop();
        console.log(result.identitiesCreated ? 'Created the demo identities:' : 'Demo identities already exist (passwords unchanged):');
        for (const w of DEMO.workspaces) console.log(`  workspace ${w.name}: tenants ${w.tenants.map((t) => t.slug).join(', ')}`);
        for (const u of DEMO.users) console.log(`  admin user ${u.email}`);
        console.log(`  system operator ${DEMO.operator.email}`);
        if (result.generatedPassword) console.log(`Demo password (shown once): ${result.generatedPassword}`);
        else if (result.identitiesCreated) console.log('Demo password: the value of TENANTPILOT_DEMO_PASSWORD');
        const plan = result.plan ? ` over the last ${result.plan.days} day(s) (plan: --seed ${result.plan.seed}, ending ${result.plan.anchor})` : '';
        const before = result.alreadyDone > 0 ? `; ${result.alreadyDone} were there already` : '';
        console.log(`Performed ${result.actions} source action(s)${plan}${before}.`);
        if (result.note) console.log(`Note: ${result.note}.`);
      });
    });

  program
    .command('product-usage:prune')
    .description('Delete telemetry rows older than the retention window (TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS)')
    .option('--dry-run', 'only count the rows that would be deleted')
    .action(async (opts: { dryRun?: boolean }) => {
      const config = loadConfig();
      const [{ createLogger, createMetrics }, { pruneProductUsage }] = await Promise.all([import('./observability.ts'), import('./telemetry/prune.ts')]);
      const log = createLogger('warn');
      await withDatabase(config, async (db) => {
        const result = await pruneProductUsage(
          { db, log, metrics: createMetrics() },
          { retentionDays: config.retentionDays, now: new Date(), dryRun: !!opts.dryRun },
        );
        if (result.status === 'skipped') {
          console.log(`Skipped: ${result.reason}.`);
          return;
        }
        const when = `older than ${config.retentionDays} day(s) (before ${result.cutoff.toISOString()})`;
        console.log(result.dryRun ? `Would delete ${result.deleted} telemetry row(s) ${when}.` : `Deleted ${result.deleted} telemetry row(s) ${when}.`);
      });
    });

  program
    .command('operations:start')
    .description('Start a scheduled or system operation run (no initiator: never an adoption signal)')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .requiredOption('--type <type>', `operation type: ${OPERATION_TYPES.join(', ')}`)
    .option('--trigger <trigger>', 'scheduled or system', 'scheduled')
    .action(async (opts: { tenant: string; type: string; trigger: string }) => {
      if (!(OPERATION_TYPES as readonly string[]).includes(opts.type)) throw new InvalidArgumentError(`--type must be one of ${OPERATION_TYPES.join(', ')}`);
      if (opts.trigger !== 'scheduled' && opts.trigger !== 'system') throw new InvalidArgumentError('--trigger must be scheduled or system');
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const tenant = await db.prisma.tenant.findUnique({ where: { slug: opts.tenant } });
        if (!tenant) throw new InvalidArgumentError(`no tenant with slug ${opts.tenant}`);
        const { startSystemOperation } = await import('./domain/operations/service.ts');
        const run = await startSystemOperation(
          { database: db, now: () => new Date() },
          { tenantId: tenant.id, type: opts.type as OperationType, trigger: opts.trigger as 'scheduled' | 'system' },
        );
        console.log(`Started ${run.trigger} run ${run.id} (${run.type}) on ${opts.tenant}`);
      });
    });

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    const message = err instanceof ConfigError || err instanceof InvalidArgumentError ? err.message : String((err as Error)?.message ?? err);
    // One line: the first non-empty one (some library messages start with a blank line).
    console.error(`tenantpilot: ${message.split('\n').find((line) => line.trim())?.trim() ?? 'failed'}`);
    process.exit(1);
  }
}
