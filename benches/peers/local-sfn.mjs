// The peer aws-local-stepfunctions, in-process, for peers.py:
//   node local-sfn.mjs PACKAGE_DIR run DEFINITION_FILE INPUT_FILE
//     one execution; prints {"result": ..., "printed": ...}, where "printed" is what the
//     local-sfn CLI prints for that result (console.log, not JSON), to check the CLI's runs by.
//   node local-sfn.mjs PACKAGE_DIR bench DEFINITION_FILE INPUT_FILE BATCHES PER_BATCH
//     prints {"median_us": ...}: the median over BATCHES batches of the time per execution,
//     one StateMachine built once and run PER_BATCH times per batch (as benches/engine.rs does).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { join } from 'node:path';

const [pkg, mode, definitionFile, inputFile, batches = '15', perBatch = '100'] = process.argv.slice(2);
const { StateMachine } = createRequire(join(pkg, 'package.json'))('./build/main.node.cjs');
const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const machine = new StateMachine(definition);

if (mode === 'run') {
  const result = await machine.run(input).result;
  console.log(JSON.stringify({ result, printed: inspect(result) + '\n' }));
} else if (mode === 'bench') {
  for (let i = 0; i < Number(perBatch); i++) await machine.run(input).result; // warm-up (JIT)
  const samples = [];
  for (let b = 0; b < Number(batches); b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < Number(perBatch); i++) await machine.run(input).result;
    samples.push(Number(process.hrtime.bigint() - t) / 1e3 / Number(perBatch));
  }
  samples.sort((x, y) => x - y);
  console.log(JSON.stringify({ median_us: samples[Math.floor(samples.length / 2)] }));
} else {
  console.error('usage: node local-sfn.mjs PACKAGE_DIR run|bench DEFINITION_FILE INPUT_FILE [BATCHES PER_BATCH]');
  process.exit(2);
}
