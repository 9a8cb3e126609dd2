// Minimal loopback probes used as health checks, so the CLI needs no client library.
import { connect, createServer } from 'node:net';

/** Opens a TCP connection, optionally writes `payload`, and resolves with the bytes read once `done(buf)`. */
function exchange(host, port, payload, done = () => true, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const finish = (err, value) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`timeout talking to ${host}:${port}`)));
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => {
      if (payload === undefined) finish(null, buf);
      else socket.write(payload);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (done(buf)) finish(null, buf);
    });
    socket.on('end', () => finish(new Error(`${host}:${port} closed the connection`)));
  });
}

/** True when something accepts TCP connections on host:port. */
export async function tcpOpen(host, port) {
  try {
    await exchange(host, port, undefined, undefined, 3000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws unless this machine can listen on `address` (a free port is bound and released at once). Linux routes the
 * whole 127.0.0.0/8 to the loopback interface, so 127.0.0.2 and up need no setup there; other systems (macOS) need
 * an alias per address, which this names instead of letting a server fail with a bind error in its log.
 */
export async function assertLocalAddress(address, who) {
  const server = createServer();
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, resolve);
    });
  } catch (err) {
    throw new Error(
      `${who}: cannot listen on ${address} (${err.code ?? err.message}); it must be a local address ` +
        `(Linux: any 127.x.y.z is; macOS: \`sudo ifconfig lo0 alias ${address}\`)`,
    );
  } finally {
    server.close();
  }
}

/** Sends one Redis command (RESP) and returns the parsed reply; error replies throw. */
export async function redisCommand(port, args, host = '127.0.0.1') {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
  let reply;
  await exchange(host, port, payload, (buf) => {
    const parsed = parseResp(buf, 0);
    if (parsed) reply = parsed.value;
    return parsed !== undefined;
  });
  if (reply instanceof Error) throw reply;
  return reply;
}

// Returns { value, end } or undefined when `buf` holds no complete reply yet.
function parseResp(buf, start) {
  const eol = buf.indexOf('\r\n', start);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[start]);
  const line = buf.toString('utf8', start + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      const items = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: count < 0 ? null : items, end: pos };
    }
    default:
      return { value: new Error(`unexpected RESP reply: ${line}`), end: next };
  }
}

/** `INFO`-style "key:value" lines as an object. */
export function parseInfo(text) {
  return Object.fromEntries(
    String(text)
      .split('\r\n')
      .filter((l) => l.includes(':') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

/** Sends memcached's text `version` command; true on a VERSION reply. */
export async function memcachedAlive(port, host = '127.0.0.1') {
  try {
    const buf = await exchange(host, port, 'version\r\n', (b) => b.includes('\r\n'));
    return buf.toString().startsWith('VERSION');
  } catch {
    return false;
  }
}
