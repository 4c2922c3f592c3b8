// npm run bench: every benchmark of the template, each against a baseline measured in the same run.
// docs/benchmarks.md records a run and says what limits each figure.
import { cpus, totalmem } from 'node:os';
import { benchAuth, printAuth } from './auth';
import { benchEngine, printEngine } from './engine';
import { benchHttp, printHttp } from './http';
import { benchPersistence, formatPersistenceBench } from './persistence';
import { benchStreaming, printStreaming } from './streaming';
import { benchTracking, printTracking } from './tracking';

console.log(`# Switchyard benchmarks, ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
);

printHttp(await benchHttp());
printStreaming(await benchStreaming());
console.log(`\n${formatPersistenceBench(await benchPersistence())}`);
printEngine(await benchEngine());
printAuth(await benchAuth());
printTracking(await benchTracking());
