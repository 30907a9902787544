/**
 * Probes of the Bun socket behaviour the server relies on, run under Bun by probe.test.ts so a
 * Bun upgrade that changes one of them fails a test instead of corrupting answers. Prints one JSON
 * line of findings. Each probe is a server and a client in this one process, on loopback.
 */
import type { Socket, TCPSocketListener } from "bun";

interface Findings {
  /** `data` buffers keep their contents after the callback returns (the core may keep them). */
  dataBuffersStable: boolean;
  dataChunks: number;
  /** A non-reading client: the first short write, its count, and bytes the kernel took before. */
  firstShortWrite: number;
  bytesBeforeShortWrite: number;
  /** After pause(), no `data` callback ran although the client sent bytes; resume() brought them. */
  pauseStopsData: boolean;
  resumeRestartsData: boolean;
  /** With allowHalfOpen, the client's FIN calls `end` and the server's later write arrives. */
  halfOpenEndThenWrite: boolean;
  /** shutdown() sends FIN while the server still receives. */
  shutdownIsHalfClose: boolean;
  /** A client reset: close(socket, error) with an error; `end` not called. */
  resetGivesCloseError: boolean;
  resetCalledEnd: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function listen<T>(handlers: Parameters<typeof Bun.listen<T>>[0]["socket"]): TCPSocketListener<T> {
  return Bun.listen<T>({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: { data() {}, ...handlers },
  });
}

async function probeDataBuffers(): Promise<{ stable: boolean; chunks: number }> {
  const refs: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  const server = listen<undefined>({
    binaryType: "uint8array",
    data(_s, d) {
      refs.push(d);
      copies.push(d.slice());
    },
  });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  let sent = 0;
  for (let i = 0; i < 400; i++) {
    sent += client.write(new Uint8Array(700 + (i % 13) * 97).fill(i & 255));
    if (i % 20 === 0) await sleep(1);
  }
  await until(() => refs.reduce((n, r) => n + r.length, 0) >= sent);
  await sleep(50);
  let stable = refs.length > 1;
  for (let i = 0; i < refs.length; i++) {
    const a = refs[i] as Uint8Array;
    const b = copies[i] as Uint8Array;
    for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) stable = false;
  }
  client.end();
  server.stop(true);
  return { stable, chunks: refs.length };
}

async function probeShortWrite(): Promise<{ short: number; before: number }> {
  let serverSocket: Socket<undefined> | undefined;
  const server = listen<undefined>({
    open(s) {
      serverSocket = s;
    },
  });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  client.pause();
  await until(() => serverSocket !== undefined);
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  let before = 0;
  let short = -2;
  for (let i = 0; i < 2000; i++) {
    const n = (serverSocket as Socket<undefined>).write(chunk);
    if (n < chunk.length) {
      short = n;
      break;
    }
    before += n;
  }
  client.terminate();
  server.stop(true);
  return { short, before };
}

async function probePauseResume(): Promise<{ pauses: boolean; resumes: boolean }> {
  let received = 0;
  let serverSocket: Socket<undefined> | undefined;
  const server = listen<undefined>({
    open(s) {
      serverSocket = s;
      s.pause();
    },
    data(_s, d) {
      received += d.length;
    },
  });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  await until(() => serverSocket !== undefined);
  client.write("hello?");
  await sleep(300);
  const pauses = received === 0;
  serverSocket?.resume();
  const resumes = await until(() => received === 6);
  client.end();
  server.stop(true);
  return { pauses, resumes };
}

async function probeHalfOpen(): Promise<boolean> {
  let got = "";
  let serverSawEnd = false;
  const server = listen<undefined>({
    end(s) {
      serverSawEnd = true;
      setTimeout(() => {
        s.write("after FIN.");
        s.end();
      }, 50);
    },
  });
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    allowHalfOpen: true,
    socket: {
      data(_s, d) {
        got += new TextDecoder().decode(d);
      },
    },
  });
  client.shutdown();
  await until(() => got === "after FIN.");
  client.end();
  server.stop(true);
  return serverSawEnd && got === "after FIN.";
}

async function probeShutdown(): Promise<boolean> {
  let serverGot = "";
  let clientEnded = false;
  const server = listen<undefined>({
    open(s) {
      s.shutdown();
    },
    data(_s, d) {
      serverGot += new TextDecoder().decode(d);
    },
  });
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    allowHalfOpen: true,
    socket: {
      data() {},
      end() {
        clientEnded = true;
      },
    },
  });
  await until(() => clientEnded);
  client.write("still heard?");
  const heard = await until(() => serverGot === "still heard?");
  client.end();
  server.stop(true);
  return clientEnded && heard;
}

async function probeReset(): Promise<{ closeError: boolean; endCalled: boolean }> {
  let closeError: boolean | undefined;
  let endCalled = false;
  const server = listen<undefined>({
    end() {
      endCalled = true;
    },
    close(_s, error) {
      closeError = error !== undefined;
    },
  });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  client.write("What is");
  await sleep(100);
  client.terminate(); // SO_LINGER 0: RST
  await until(() => closeError !== undefined);
  server.stop(true);
  return { closeError: closeError === true, endCalled };
}

const data = await probeDataBuffers();
const write = await probeShortWrite();
const pause = await probePauseResume();
const findings: Findings = {
  dataBuffersStable: data.stable,
  dataChunks: data.chunks,
  firstShortWrite: write.short,
  bytesBeforeShortWrite: write.before,
  pauseStopsData: pause.pauses,
  resumeRestartsData: pause.resumes,
  halfOpenEndThenWrite: await probeHalfOpen(),
  shutdownIsHalfClose: await probeShutdown(),
  ...(await probeReset().then((r) => ({ resetGivesCloseError: r.closeError, resetCalledEnd: r.endCalled }))),
};
console.log(JSON.stringify(findings));
process.exit(0);
