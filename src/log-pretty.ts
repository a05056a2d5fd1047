/**
 * Log lines for a person at a terminal: `12:03:04.567 INFO  GET /t/acme/token 200 12 ms`. pino
 * writes JSON; this destination turns each line into text as it is written (synchronously, in the
 * same process: pino-pretty would add a dependency and, as a transport, a worker thread). Only in
 * development on a TTY; production and anything piped keep the JSON that log collectors read.
 */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[36m' },
  30: { name: 'INFO', color: '\x1b[32m' },
  40: { name: 'WARN', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[35m' },
};
const RESET = '\x1b[0m';
/** Fields every line carries that say nothing to a reader of one terminal. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'reqId', 'req', 'res', 'responseTime', 'err']);

interface LogRecord {
  level?: number;
  time?: number;
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string; stack?: string };
  [field: string]: unknown;
}

export function formatLogLine(json: string, colors = false): string {
  let record: LogRecord;
  try {
    record = JSON.parse(json) as LogRecord;
  } catch {
    return json.replace(/\n$/, '');
  }
  const level = LEVELS[record.level ?? 30] ?? { name: String(record.level), color: '' };
  const at = new Date(record.time ?? Date.now());
  const time = `${at.toTimeString().slice(0, 8)}.${String(at.getMilliseconds()).padStart(3, '0')}`;
  const label = colors ? `${level.color}${level.name.padEnd(5)}${RESET}` : level.name.padEnd(5);
  const parts = [time, label];
  if (record.req?.method && record.res?.statusCode !== undefined) {
    parts.push(`${record.req.method} ${record.req.url} ${record.res.statusCode}${record.responseTime === undefined ? '' : ` ${Math.round(record.responseTime)} ms`}`);
  } else if (record.msg !== undefined) {
    parts.push(record.msg);
  }
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  let line = parts.join(' ');
  if (record.err) line += `\n  ${record.err.stack ?? record.err.message}`.replace(/\n/g, '\n  ');
  return line;
}

/** A pino destination that writes formatted lines to `stream` (a terminal). */
export function prettyDestination(stream: NodeJS.WriteStream): { write(line: string): void } {
  const colors = Boolean(stream.isTTY) && stream.hasColors?.() === true;
  return { write: (line) => void stream.write(`${formatLogLine(line, colors)}\n`) };
}
