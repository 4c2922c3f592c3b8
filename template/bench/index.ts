// npm run bench: every benchmark of the template, each against a baseline measured in the same run.
// docs/benchmarks.md records a run and says what limits each figure.
import { cpus, totalmem } from 'node:os';
import { benchAuth, printAuth } from './auth';
import { benchChatStreaming, printChatStreaming } from './chat-streaming';
import { benchEngine, printEngine } from './engine';
import { benchHttp, printHttp } from './http';
import { benchMetrics, printMetrics } from './metrics';
import { benchPersistence, formatPersistenceBench } from './persistence';
import { benchProduction, printProduction } from './production';
import { benchStalledReaders, printStalledReaders } from './stalled-readers';
import { benchStreaming, printStreaming } from './streaming';
import { benchTracking, printTracking } from './tracking';

console.log(`# Switchyard benchmarks, ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);

// `npm run bench -- stalled` runs only the benchmarks whose names are given.
const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

if (wanted('http')) printHttp(await benchHttp());
if (wanted('metrics')) printMetrics(await benchMetrics());
if (wanted('streaming')) printStreaming(await benchStreaming());
if (wanted('chat')) printChatStreaming(await benchChatStreaming());
if (wanted('persistence')) console.log(`\n${formatPersistenceBench(await benchPersistence())}`);
if (wanted('engine')) printEngine(await benchEngine());
if (wanted('auth')) printAuth(await benchAuth());
if (wanted('stalled')) printStalledReaders(await benchStalledReaders());
if (wanted('tracking')) printTracking(await benchTracking());
if (wanted('production')) printProduction(await benchProduction());
