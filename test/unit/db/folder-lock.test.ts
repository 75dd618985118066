import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertDataFolderFree, FolderInUseError, LOCK_FILE, lockDataFolder, type FolderLock } from '../../../server/db/folder-lock.ts';

/**
 * The embedded database folder's single-owner lock: one holder at a time, in this process or another;
 * the OS frees it the moment its holder dies; a refused process changes nothing in the folder.
 */
const MODULE = resolve(import.meta.dirname, '../../../server/db/folder-lock.ts');
const scratch = mkdtempSync(join(tmpdir(), 'tp-folder-lock-'));
let n = 0;
const newDir = () => join(scratch, `data-${++n}`);
const held: FolderLock[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const take = (dir: string) => {
  const lock = lockDataFolder(dir);
  held.push(lock);
  return lock;
};

/** Another process that takes the folder's lock and keeps it until it is killed. */
async function holderProcess(dir: string): Promise<ChildProcess> {
  const code = `const { lockDataFolder } = await import(${JSON.stringify(MODULE)}); lockDataFolder(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('locked')) ok();
    });
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => fail(new Error(`holder exited (${code}): ${output}`)));
  });
  return child;
}

/** Names, sizes and contents of everything in a folder. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, `${statSync(join(dir, name)).size}:${readFileSync(join(dir, name), 'utf8')}`]));
}

const refusal = (fn: () => unknown): FolderInUseError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FolderInUseError) return err;
    throw err;
  }
  throw new Error('expected FolderInUseError');
};

describe('the embedded database folder lock', () => {
  it('creates the folder and records the owner pid in the lock file', () => {
    const dir = newDir();
    take(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a second open in the same process with one line naming the folder, the owner pid and what to do', () => {
    const dir = newDir();
    take(dir);
    const err = refusal(() => lockDataFolder(dir));
    expect(err.dataDir).toBe(resolve(dir));
    expect(err.ownerPid).toBe(process.pid);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain(resolve(dir));
    expect(err.message).toContain(`process ${process.pid}`);
    expect(err.message).toMatch(/stop that process first/);
    expect(err.message).toContain('DATABASE_URL');
  });

  it('can be taken again after release, and release twice is harmless', () => {
    const dir = newDir();
    const first = lockDataFolder(dir);
    first.release();
    first.release();
    take(dir);
  });

  it('refuses while another process holds it, changing nothing in the folder', async () => {
    const dir = newDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    const holder = await holderProcess(dir);
    const before = snapshot(dir);
    const err = refusal(() => lockDataFolder(dir));
    expect(err.ownerPid).toBe(holder.pid);
    expect(refusal(() => assertDataFolderFree(dir)).ownerPid).toBe(holder.pid);
    expect(snapshot(dir)).toEqual(before);
  });

  it('is free the moment its holder is killed (SIGKILL), without waiting for anything to go stale', async () => {
    const dir = newDir();
    const holder = await holderProcess(dir);
    refusal(() => lockDataFolder(dir));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    take(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
  });

  it('assertDataFolderFree creates nothing for a folder that does not exist, and passes a free folder', () => {
    const missing = newDir();
    assertDataFolderFree(missing);
    expect(() => statSync(missing)).toThrow();
    const dir = newDir();
    lockDataFolder(dir).release();
    assertDataFolderFree(dir);
    take(dir);
  });
});
