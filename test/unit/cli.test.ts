import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CommanderError, type Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../server/cli.ts';

/**
 * The `tenantpilot` command's surface: --help for every command, and one-line errors with a non-zero
 * exit for bad flags and bad configuration — none of which may open a database. (What the commands
 * do to a database is test/integration/cli.test.ts.)
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMANDS = ['serve', 'migrate', 'system-user:create', 'seed:demo', 'product-usage:prune', 'operations:start'];
const scratch = mkdtempSync(join(tmpdir(), 'tp-cli-unit-'));
const dataDir = join(scratch, 'data');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The CLI with its output captured and exits turned into exceptions (in-process). */
function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const program = buildCli();
  for (const command of [program, ...program.commands] as Command[]) {
    command.exitOverride().configureOutput({ writeOut: (s) => void out.push(s), writeErr: (s) => void err.push(s) });
  }
  const run = async (...args: string[]) => {
    try {
      await program.parseAsync(['node', 'tenantpilot', ...args]);
      return 0;
    } catch (e) {
      if (e instanceof CommanderError) return e.exitCode;
      throw e;
    }
  };
  return { program, run, out, err };
}

function tp(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TENANTPILOT_') && k !== 'DATABASE_URL'));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tenantpilot.js'), ...args], {
      cwd: ROOT,
      env: { ...env, TENANTPILOT_DATA_DIR: dataDir, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim());

describe('tenantpilot --help', () => {
  it('lists every command of DESIGN.md', async () => {
    const { run, out } = cli();
    expect(await run('--help')).toBe(0);
    for (const c of COMMANDS) expect(out.join('')).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it.each([
    ['serve', ['--host <host>', '--port <port>']],
    ['migrate', []],
    ['system-user:create', ['--email <email>', '--name <name>', '--password-stdin']],
    ['seed:demo', ['--events <n>', '--days <d>', '--seed <s>']],
    ['product-usage:prune', ['--dry-run']],
    ['operations:start', ['--tenant <slug>', '--type <type>']],
  ])('explains %s with its options', async (command, options) => {
    const { run, out } = cli();
    expect(await run(command, '--help')).toBe(0);
    const help = out.join('');
    expect(help).toContain(`Usage: tenantpilot ${command}`);
    for (const o of options) expect(help).toContain(o);
  });
});

describe('bad flags', () => {
  it.each([
    [['seed:demo', '--bogus'], /^tenantpilot: unknown option '--bogus'/],
    [['seed:demo', '--events', 'many'], /^tenantpilot: .*--events must be a whole number from 0 to 10000000/],
    [['seed:demo', '--days', '0'], /^tenantpilot: .*--days must be a whole number from 1 to 3650/],
    [['serve', '--port', '70000'], /^tenantpilot: .*--port must be a whole number from 0 to 65535/],
    [['system-user:create'], /^tenantpilot: required option '--email <email>' not specified/],
    [['operations:start', '--type', 'inventory.sync'], /^tenantpilot: required option '--tenant <slug>' not specified/],
    [['frobnicate'], /^tenantpilot: unknown command 'frobnicate'/],
  ])('%j → one line and exit code 1', async (args, message) => {
    const { run, err, out } = cli();
    expect(await run(...args)).toBe(1);
    expect(out.join('')).toBe('');
    expect(lines(err.join(''))).toEqual([expect.stringMatching(message)]);
  });
});

describe('refusals raised by a command itself (before any database is opened)', () => {
  /** Runs a command's action; its refusal propagates (the bin prints it as one line and exits 1). */
  const action = (...args: string[]) => buildCli().parseAsync(['node', 'tenantpilot', ...args]);

  it('refuses an unknown operation type, naming the allowed ones', async () => {
    await expect(action('operations:start', '--tenant', 'contoso-prod', '--type', 'tenant.delete')).rejects.toThrow(
      '--type must be one of inventory.sync, policy.backup, compliance.scan, permission_posture.refresh',
    );
  });

  it.each([
    [['--email', 'ops@example.test'], 'short', 'the password must be at least 12 characters'],
    [['--email', 'not-an-address'], 'a long enough password', '--email must be an e-mail address'],
    [['--email', 'ops@example.test', '--name', '   '], 'a long enough password', '--name must not be empty'],
  ])('system-user:create %j with password %j → "%s"', async (flags, password, message) => {
    vi.stubEnv('TENANTPILOT_DATA_DIR', dataDir);
    vi.stubEnv('DATABASE_URL', '');
    const stdin = vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(password)]) as unknown as typeof process.stdin);
    try {
      await expect(action('system-user:create', ...flags, '--password-stdin')).rejects.toThrow(message);
    } finally {
      stdin.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('seed:demo refuses a demo password shorter than 12 characters, naming TENANTPILOT_DEMO_PASSWORD', async () => {
    vi.stubEnv('TENANTPILOT_DATA_DIR', dataDir);
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('TENANTPILOT_DEMO_PASSWORD', 'elevenchars');
    try {
      await expect(action('seed:demo', '--events', '0')).rejects.toThrow('TENANTPILOT_DEMO_PASSWORD must be at least 12 characters (it has 11)');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('the real process (node bin/tenantpilot.js)', () => {
  it(
    'exits 0 on --help, and 1 with one line on stderr for a bad flag, bad input or bad configuration — opening no database',
    async () => {
      const [help, flag, password, retention] = await Promise.all([
        tp(['--help']),
        tp(['seed:demo', '--bogus']),
        tp(['system-user:create', '--email', 'ops@example.test', '--password-stdin'], { input: 'short\n' }),
        tp(['migrate'], { env: { TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS: '0' } }),
      ]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: tenantpilot');
      const refused = { flag, password, retention };
      expect(Object.fromEntries(Object.entries(refused).map(([k, r]) => [k, r.code]))).toEqual({ flag: 1, password: 1, retention: 1 });
      expect(Object.fromEntries(Object.entries(refused).map(([k, r]) => [k, lines(r.stderr)]))).toEqual({
        flag: ["tenantpilot: unknown option '--bogus'"],
        password: ['tenantpilot: the password must be at least 12 characters'],
        retention: ['tenantpilot: Invalid configuration: TENANTPILOT_PRODUCT_USAGE_EVENT_RETENTION_DAYS must be an integer from 1 to 3650'],
      });
      expect(password.stderr + password.stdout).not.toContain('short');
      expect(existsSync(dataDir)).toBe(false);
    },
    120_000,
  );
});
