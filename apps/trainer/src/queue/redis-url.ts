// The `--queue` URL: redis://[user][:password@]host[:port][/db] or rediss:// (TLS). Its password
// never leaves this module except inside the connection options: everything printed or written
// shows `redacted`.
import type { ConnectionOptions } from 'bullmq';
import { MmauxTrainerError } from '../errors.js';

/** A parsed `--queue` URL. */
export interface RedisTarget {
  /** What BullMQ connects with (ioredis options). */
  connection: ConnectionOptions;
  /** The URL without its password (`redis://:***@host:6379/0`), for messages and logs. */
  redacted: string;
}

/**
 * Parses a `--queue` URL.
 *
 * @throws MmauxTrainerError `BAD_CONFIG` naming the (redacted) URL and what is wrong
 */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Do not echo it: it may hold a password.
    throw new MmauxTrainerError('BAD_CONFIG', '--queue: not a URL; give redis://host:6379, redis://:password@host:6379/0 or rediss://host:6380 (TLS).');
  }
  const redacted = `${url.protocol}//${url.username || url.password ? `${decodeURIComponent(url.username)}${url.password ? ':***' : ''}@` : ''}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new MmauxTrainerError('BAD_CONFIG', `--queue ${redacted}: the scheme must be redis:// or rediss:// (TLS), not ${url.protocol}//.`);
  }
  if (url.hostname === '') throw new MmauxTrainerError('BAD_CONFIG', `--queue ${redacted}: no host; e.g. redis://127.0.0.1:6379.`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || !/^\d*$/.test(dbText)) {
    throw new MmauxTrainerError('BAD_CONFIG', `--queue ${redacted}: "/${dbText}" is not a database number; use redis://host:6379/0 (or leave the path out).`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: ConnectionOptions = {
    host,
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    // BullMQ workers block on Redis and must retry forever; the CLI's short-lived commands fail fast instead.
    maxRetriesPerRequest: null,
  };
  return { connection, redacted };
}
