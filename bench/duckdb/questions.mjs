// Answers the performance record's questions with DuckDB, for go run ./bench.
// Usage: node questions.mjs MODULE_DIR SPEC_JSON
// MODULE_DIR holds node_modules/@duckdb/node-api (installed by the record
// into a cache directory). SPEC_JSON: {file, runs, questions: [{name, sql}]},
// where each sql reads the file through the placeholder {src}. Each
// question runs `runs` times over read_json of the file; then the file is
// loaded once into a table and each question runs `runs` times over it.
// Prints one JSON object: the DuckDB version, per question the time of each
// run in milliseconds and the rows of the last run, the table load time.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const [moduleDir, specJSON] = process.argv.slice(2);
const spec = JSON.parse(specJSON);
const require = createRequire(moduleDir.endsWith('/') ? moduleDir : moduleDir + '/');
const duckdb = require('@duckdb/node-api');

const instance = await duckdb.DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const version = (await conn.runAndReadAll('select version() as v')).getRowObjectsJson()[0].v;

async function ask(src) {
  const out = {};
  for (const q of spec.questions) {
    const ms = [];
    let rows = [];
    for (let i = 0; i < spec.runs; i++) {
      const t0 = performance.now();
      const r = await conn.runAndReadAll(q.sql.replaceAll('{src}', src));
      rows = r.getRowObjectsJson();
      ms.push(performance.now() - t0);
    }
    out[q.name] = { ms, rows };
  }
  return out;
}

const lit = "'" + spec.file.replaceAll("'", "''") + "'";
const readJSON = `read_json(${lit}, format='newline_delimited', columns=${spec.columns})`;
const overFile = await ask(readJSON);
const t0 = performance.now();
await conn.run(`create table signins as select * from ${readJSON}`);
const tableLoadMs = performance.now() - t0;
const overTable = await ask('signins');
console.log(JSON.stringify({ version, overFile, tableLoadMs, overTable }));
